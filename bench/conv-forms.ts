/**
 * The blas backend's stride-1 convolutions in several forms, on the MNIST ResNet's 3x3 layers
 * (batch 64, 'same'): through a patch matrix (im2col, one product per run of images whose
 * patch matrix fits a limit, col2im for the input gradient), with the limit given in floats
 * (`patches:N`), or as shifted products (`shifted:N`, packages/backend-wasm/src/blas/shifted-conv.ts, in runs of images whose padded input
 * and output grids fit the same limit).
 * The forward, the input gradient and the filter gradient of each layer, every form in turn,
 * CPU and wall time, the median of the repetitions; at the OpenBLAS thread count of
 * GAN_BLAS_THREADS. Ratios are against the first form.
 *
 *   GAN_BLAS_THREADS=1 node --conditions=@gan/source --import tsx bench/conv-forms.ts [--forms patches:16777216,patches:1048576,shifted:1048576] [--reps N]
 */
import os from "node:os";
import { flag, median } from "./bench-args.js";
import { tf } from "./workloads.js";

const { selectBackend } = await import("@gan/core/runtime");
const { setMaxPatchFloats, setShiftedConvMinChannels } = await import("../packages/backend-wasm/src/blas/blas-kernels.js");
const { nativeBlasInUse } = await import("../packages/backend-wasm/src/index.js");

const REPS = Number(flag("--reps") ?? 7);
const FORMS = (flag("--forms") ?? "patches:16777216,patches:1048576,shifted:1048576").split(",");

/** Puts a form's settings in place: the patch-matrix limit, and shifted products on or off. */
function useForm(form: string): void {
  const [kind, floats] = form.split(":");
  if ((kind !== "shifted" && kind !== "patches") || !(Number(floats) > 0)) throw new Error(`unknown form ${form}: patches:<floats> or shifted:<floats>`);
  setShiftedConvMinChannels(kind === "shifted" ? 1 : Infinity);
  setMaxPatchFloats(Number(floats));
}
await selectBackend("blas");
const blas = nativeBlasInUse();
if (!blas) throw new Error("no native BLAS in use: this benchmark compares two forms of its convolutions");

/** [batch, height, width, in channels] and out channels of the ResNet's 3x3 stride-1 layers. */
const LAYERS: [string, [number, number, number, number], number][] = [
  ["G 14x14 64->64", [64, 14, 14, 64], 64],
  ["G 28x28 64->32", [64, 28, 28, 64], 32],
  ["G 28x28 32->32", [64, 28, 28, 32], 32],
  ["G 28x28 32->1", [64, 28, 28, 32], 1],
  ["D 28x28 1->32", [64, 28, 28, 1], 32],
  ["D 14x14 32->64", [64, 14, 14, 32], 64],
];

interface Timing {
  cpu: number;
  wall: number;
}

function time(run: () => void): Timing {
  for (let i = 0; i < 2; i++) run();
  const cpus: number[] = [];
  const walls: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    run();
    walls.push(performance.now() - start);
    const cpu = process.cpuUsage(cpuStart);
    cpus.push((cpu.user + cpu.system) / 1000);
  }
  return { cpu: median(cpus), wall: median(walls) };
}

console.log(`OpenBLAS threads ${blas.threads}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log(`layer              kernel                 ${FORMS.map((f) => `${f} CPU (wall) ms`.padStart(30)).join(" ")}   CPU ratios`);
const totals = FORMS.map(() => 0);
for (const [title, xShape, co] of LAYERS) {
  const filterShape: [number, number, number, number] = [3, 3, xShape[3], co];
  const dyShape = [xShape[0], xShape[1], xShape[2], co];
  const x = tf.randomNormal(xShape, 0, 1, "float32", 1);
  const filter = tf.randomNormal(filterShape, 0, 0.1, "float32", 2);
  const dy = tf.randomNormal(dyShape, 0, 1, "float32", 3);
  const bias = tf.randomNormal([co], 0, 1, "float32", 4);
  const kernels: [string, () => void][] = [
    ["FusedConv2D (bias)", () => tf.dispose(tf.fused.conv2d({ x: x as never, filter: filter as never, strides: 1, pad: "same", bias }))],
    ["Conv2DBackpropInput", () => tf.dispose(tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, { strides: 1, pad: "same", dataFormat: "NHWC", inputShape: xShape } as never) as never)],
    ["Conv2DBackpropFilter", () => tf.dispose(tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: 1, pad: "same", dataFormat: "NHWC", filterShape } as never) as never)],
  ];
  for (const [kernel, run] of kernels) {
    const timings = FORMS.map((form) => {
      useForm(form);
      return time(run);
    });
    timings.forEach((t, i) => (totals[i]! += t.cpu));
    console.log(
      `${title.padEnd(18)} ${kernel.padEnd(22)} ${timings.map((t) => `${t.cpu.toFixed(1)} (${t.wall.toFixed(1)})`.padStart(30)).join(" ")}   ` +
        timings.slice(1).map((t) => (t.cpu / timings[0]!.cpu).toFixed(2)).join(" "),
    );
  }
  tf.dispose([x, filter, dy, bias]);
}
console.log(`all, ms of CPU: ${FORMS.map((form, i) => `${form} ${totals[i]!.toFixed(0)}`).join(", ")}`);
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
