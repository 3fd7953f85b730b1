// A measuring prototype for bench/elementwise-threads.ts, not part of any package: batch norm's
// and an element-wise kernel on tensors of the wasm heap (koffi passes heap views as pointers),
// on 1 or more OpenMP threads. Rows are split in CHUNKS fixed chunks whatever the thread count,
// and per-chunk partial sums are added in chunk order: results do not depend on the thread count.
// Built by the script with the machine's C compiler: cc -O3 -march=native -fopenmp -shared -fPIC.
#include <math.h>
#include <stddef.h>
#include <omp.h>
#define CHUNKS 64


void ew_mul(const float *a, const float *b, float *out, long n, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (long c = 0; c < CHUNKS; c++) {
    long lo = n * c / CHUNKS, hi = n * (c + 1) / CHUNKS;
    for (long i = lo; i < hi; i++) out[i] = a[i] * b[i];
  }
}

// tfjs's FusedBatchNorm: y = (x - mean) * scale / sqrt(var + eps) + offset, per channel (last axis).
void ew_bn_apply(const float *x, const float *mean, const float *var, const float *offset, const float *scale,
                 float eps, float *y, long rows, long ch, int threads) {
  float k[4096], b[4096];
  for (long j = 0; j < ch; j++) { k[j] = scale[j] / sqrtf(var[j] + eps); b[j] = offset[j] - mean[j] * k[j]; }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (long c = 0; c < CHUNKS; c++) {
    long lo = rows * c / CHUNKS, hi = rows * (c + 1) / CHUNKS;
    for (long r = lo; r < hi; r++) {
      const float *xr = x + r * ch; float *yr = y + r * ch;
      for (long j = 0; j < ch; j++) yr[j] = xr[j] * k[j] + b[j];
    }
  }
}

// Batch moments over rows: mean and (biased) variance per channel, two passes.
void ew_moments(const float *x, float *mean, float *var, long rows, long ch, int threads) {
  static float part[CHUNKS][4096];
#pragma omp parallel for num_threads(threads) schedule(static)
  for (long c = 0; c < CHUNKS; c++) {
    long lo = rows * c / CHUNKS, hi = rows * (c + 1) / CHUNKS;
    float *p = part[c];
    for (long j = 0; j < ch; j++) p[j] = 0;
    for (long r = lo; r < hi; r++) { const float *xr = x + r * ch; for (long j = 0; j < ch; j++) p[j] += xr[j]; }
  }
  for (long j = 0; j < ch; j++) { float s = 0; for (int c = 0; c < CHUNKS; c++) s += part[c][j]; mean[j] = s / rows; }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (long c = 0; c < CHUNKS; c++) {
    long lo = rows * c / CHUNKS, hi = rows * (c + 1) / CHUNKS;
    float *p = part[c];
    for (long j = 0; j < ch; j++) p[j] = 0;
    for (long r = lo; r < hi; r++) { const float *xr = x + r * ch; for (long j = 0; j < ch; j++) { float d = xr[j] - mean[j]; p[j] += d * d; } }
  }
  for (long j = 0; j < ch; j++) { float s = 0; for (int c = 0; c < CHUNKS; c++) s += part[c][j]; var[j] = s / rows; }
}

// Batch norm's input gradient in training mode (one kernel of what tfjs runs as ~10):
// dx = k/rows * (rows*dy - sum(dy) - xhat * sum(dy*xhat)), xhat = (x-mean)*rsqrt(var+eps), k = scale*rsqrt.
void ew_bn_grad(const float *x, const float *dy, const float *mean, const float *var, const float *scale, float eps,
                float *dx, float *dscale, float *doffset, long rows, long ch, int threads) {
  static float ps[CHUNKS][4096], pq[CHUNKS][4096];
  float inv[4096];
  for (long j = 0; j < ch; j++) inv[j] = 1.0f / sqrtf(var[j] + eps);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (long c = 0; c < CHUNKS; c++) {
    long lo = rows * c / CHUNKS, hi = rows * (c + 1) / CHUNKS;
    float *s = ps[c], *q = pq[c];
    for (long j = 0; j < ch; j++) { s[j] = 0; q[j] = 0; }
    for (long r = lo; r < hi; r++) {
      const float *xr = x + r * ch, *gr = dy + r * ch;
      for (long j = 0; j < ch; j++) { s[j] += gr[j]; q[j] += gr[j] * (xr[j] - mean[j]); }
    }
  }
  float a[4096], bb[4096], cc[4096];
  for (long j = 0; j < ch; j++) {
    float s = 0, q = 0; for (int c = 0; c < CHUNKS; c++) { s += ps[c][j]; q += pq[c][j]; }
    doffset[j] = s; dscale[j] = q * inv[j];
    float k = scale[j] * inv[j];
    a[j] = k; bb[j] = -k * s / rows; cc[j] = -k * q * inv[j] * inv[j] / rows;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (long c = 0; c < CHUNKS; c++) {
    long lo = rows * c / CHUNKS, hi = rows * (c + 1) / CHUNKS;
    for (long r = lo; r < hi; r++) {
      const float *xr = x + r * ch, *gr = dy + r * ch; float *o = dx + r * ch;
      for (long j = 0; j < ch; j++) o[j] = a[j] * gr[j] + bb[j] + cc[j] * (xr[j] - mean[j]);
    }
  }
}
volatile int sink[64];
// Dispatch: one parallel region doing nothing but touch a cache line per thread.
void ew_noop(int threads) {
#pragma omp parallel num_threads(threads)
  { sink[omp_get_thread_num() * 16] += 1; }
}
