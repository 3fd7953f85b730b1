import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * Two loops in WebAssembly SIMD that run on the wasm backend's own memory (its heap, where
 * every tensor lives), for the work JavaScript does one float at a time and XNNPACK only in
 * many separate kernel calls:
 *
 * - `adam`: Adam's update of one variable (value, gradient, first and second moment in; the
 *   three new arrays out), the float32 operations of tfjs's AdamOptimizer in its order, four
 *   lanes at a time. wasm's f32x4 add, mul, div and sqrt round exactly as the scalar float32
 *   operations (IEEE 754, no flush of denormals), so the result is bit-identical to tfjs's
 *   Adam on wasm, which runs the same operations as 14 separate kernels. It returns a number
 *   that is NaN exactly when a gradient entry is not finite (the sum of g - g over all g).
 * - `addInto`: dst[i] += src[i], for col2im's scattered additions (im2col.ts);
 * - `copy`: dst[i] = src[i], for im2col's gathered copies (im2col.ts).
 *
 * The module is built here from its instructions (below, with the text form beside each
 * part) rather than shipped as an opaque binary; it imports the backend's memory, so its
 * pointers are byte offsets into the heap, as tensors' views have them.
 */

// ---- a tiny assembler for the instructions used --------------------------------------------

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  i32: (value: number) => [0x41, ...sleb(value)],
  i32Add: [0x6a],
  i32And: [0x71],
  i32Shl: [0x74],
  i32GeU: [0x4f],
  f32Load: [0x2a, 2, 0],
  f32Store: [0x38, 2, 0],
  f32Add: [0x92],
  simd: (code: number, ...immediates: number[]) => [0xfd, ...uleb(code), ...immediates],
};
const v128Load = op.simd(0x00, 4, 0);
const v128Store = op.simd(0x0b, 4, 0);
const f32x4Splat = op.simd(0x13);
const f32x4ExtractLane = (lane: number) => op.simd(0x1f, lane);
const f32x4Sqrt = op.simd(0xe3);
const f32x4Add = op.simd(0xe4);
const f32x4Sub = op.simd(0xe5);
const f32x4Mul = op.simd(0xe6);
const f32x4Div = op.simd(0xe7);

/** `(local.get pointer) + (local.get offset)`: the address of the current lanes. */
const at = (pointer: number, offset: number) => [...op.get(pointer), ...op.get(offset), ...op.i32Add];

/**
 * for (offset = 0; offset < end; offset += step) body: `offset` and `end` are locals holding
 * byte counts.
 */
function forBytes(offset: number, end: number, step: number, body: number[]): number[] {
  return [
    ...op.block,
    ...op.loop,
    ...op.get(offset), ...op.get(end), ...op.i32GeU, ...op.brIf(1),
    ...body,
    ...op.get(offset), ...op.i32(step), ...op.i32Add, ...op.set(offset),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

/** `local = (count & ~3) * 4`: the bytes of the whole groups of four floats. */
const wholeGroupsBytes = (count: number, local: number) => [...op.get(count), ...op.i32(-4), ...op.i32And, ...op.i32(2), ...op.i32Shl, ...op.set(local)];

// ---- adam(value, gradient, m, v, newValue, newM, newV: i32, count: i32,
//           beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, negativeLearningRate,
//           oneMinusAccBeta1, oneMinusAccBeta2: f32) -> f32
// Updates the first count & ~3 floats; the caller does the last 0-3.
const A = { value: 0, gradient: 1, m: 2, v: 3, newValue: 4, newM: 5, newV: 6, count: 7, constants: 8 };
const ADAM_CONSTANTS = 8;
// Locals after the 16 parameters: offset, end (i32); the constants splatted, g, m', v', acc (v128).
const AL = { offset: 16, end: 17, splat: 18, g: 26, m: 27, v: 28, acc: 29 };
const K = { beta1: 0, beta2: 1, oneMinusBeta1: 2, oneMinusBeta2: 3, epsilon: 4, negativeLearningRate: 5, oneMinusAccBeta1: 6, oneMinusAccBeta2: 7 };
const constant = (k: number) => op.get(AL.splat + k);

const adamBody = [
  ...wholeGroupsBytes(A.count, AL.end),
  ...Array.from({ length: ADAM_CONSTANTS }, (_, k) => [...op.get(A.constants + k), ...f32x4Splat, ...op.set(AL.splat + k)]).flat(),
  ...forBytes(AL.offset, AL.end, 16, [
    // g = gradient[i..i+3]
    ...at(A.gradient, AL.offset), ...v128Load, ...op.set(AL.g),
    // m' = m * beta1 + g * (1 - beta1)
    ...at(A.m, AL.offset), ...v128Load, ...constant(K.beta1), ...f32x4Mul,
    ...op.get(AL.g), ...constant(K.oneMinusBeta1), ...f32x4Mul, ...f32x4Add, ...op.set(AL.m),
    // v' = v * beta2 + (g * g) * (1 - beta2)
    ...at(A.v, AL.offset), ...v128Load, ...constant(K.beta2), ...f32x4Mul,
    ...op.get(AL.g), ...op.get(AL.g), ...f32x4Mul, ...constant(K.oneMinusBeta2), ...f32x4Mul, ...f32x4Add, ...op.set(AL.v),
    ...at(A.newM, AL.offset), ...op.get(AL.m), ...v128Store,
    ...at(A.newV, AL.offset), ...op.get(AL.v), ...v128Store,
    // value' = ((m' / (1 - beta1^t)) / (sqrt(v' / (1 - beta2^t)) + epsilon)) * -lr + value
    ...at(A.newValue, AL.offset),
    ...op.get(AL.m), ...constant(K.oneMinusAccBeta1), ...f32x4Div,
    ...op.get(AL.v), ...constant(K.oneMinusAccBeta2), ...f32x4Div, ...f32x4Sqrt, ...constant(K.epsilon), ...f32x4Add,
    ...f32x4Div, ...constant(K.negativeLearningRate), ...f32x4Mul,
    ...at(A.value, AL.offset), ...v128Load, ...f32x4Add,
    ...v128Store,
    // acc += g - g: 0 while every g is finite, NaN from the first that is not
    ...op.get(AL.acc), ...op.get(AL.g), ...op.get(AL.g), ...f32x4Sub, ...f32x4Add, ...op.set(AL.acc),
  ]),
  ...op.get(AL.acc), ...f32x4ExtractLane(0),
  ...[1, 2, 3].flatMap((lane) => [...op.get(AL.acc), ...f32x4ExtractLane(lane), ...op.f32Add]),
];

// ---- addInto(dst, src, count: i32): dst[i] += src[i] for i < count
const D = { dst: 0, src: 1, count: 2, offset: 3, end: 4 };
const addIntoBody = [
  ...wholeGroupsBytes(D.count, D.end),
  ...forBytes(D.offset, D.end, 16, [...at(D.dst, D.offset), ...at(D.dst, D.offset), ...v128Load, ...at(D.src, D.offset), ...v128Load, ...f32x4Add, ...v128Store]),
  // The last 0-3 floats one by one: end = count * 4.
  ...op.get(D.count), ...op.i32(2), ...op.i32Shl, ...op.set(D.end),
  ...forBytes(D.offset, D.end, 4, [...at(D.dst, D.offset), ...at(D.dst, D.offset), ...op.f32Load, ...at(D.src, D.offset), ...op.f32Load, ...op.f32Add, ...op.f32Store]),
];

// ---- copy(dst, src, count: i32): dst[i] = src[i] for i < count
const copyBody = [
  ...wholeGroupsBytes(D.count, D.end),
  ...forBytes(D.offset, D.end, 16, [...at(D.dst, D.offset), ...at(D.src, D.offset), ...v128Load, ...v128Store]),
  ...op.get(D.count), ...op.i32(2), ...op.i32Shl, ...op.set(D.end),
  ...forBytes(D.offset, D.end, 4, [...at(D.dst, D.offset), ...at(D.src, D.offset), ...op.f32Load, ...op.f32Store]),
];

// ---- the module ------------------------------------------------------------------------------

const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const name = (text: string) => [...uleb(text.length), ...Buffer.from(text, "utf8")];
const body = (locals: [number, number][], code: number[]) => {
  const content = [...vector(locals.map(([count, type]) => [...uleb(count), type])), ...code, ...op.end];
  return [...uleb(content.length), ...content];
};

const MODULE_BYTES = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  // types: 0 adam, 1 addInto and copy
  ...section(1, vector([
    [0x60, ...vector([...Array(8).fill([I32]), ...Array(ADAM_CONSTANTS).fill([F32])]), ...vector([[F32]])],
    [0x60, ...vector([[I32], [I32], [I32]]), ...vector([])],
  ])),
  // import env.memory (no minimum, no maximum: any memory)
  ...section(2, vector([[...name("env"), ...name("memory"), 0x02, 0x00, 0x00]])),
  ...section(3, vector([[0], [1], [1]])),
  ...section(7, vector([
    [...name("adam"), 0x00, 0],
    [...name("addInto"), 0x00, 1],
    [...name("copy"), 0x00, 2],
  ])),
  ...section(10, vector([
    body([[2, I32], [12, V128]], adamBody),
    body([[2, I32]], addIntoBody),
    body([[2, I32]], copyBody),
  ])),
]);

export interface HeapSimd {
  /** Adam on the first count & ~3 floats; see above. Pointers are byte offsets into the heap. */
  adam(
    value: number, gradient: number, m: number, v: number, newValue: number, newM: number, newV: number, count: number,
    beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number, epsilon: number, negativeLearningRate: number,
    oneMinusAccBeta1: number, oneMinusAccBeta2: number,
  ): number;
  /** dst[i] += src[i] for i < count; pointers are byte offsets into the heap. */
  addInto(dst: number, src: number, count: number): void;
  /** dst[i] = src[i] for i < count (not overlapping); pointers are byte offsets into the heap. */
  copy(dst: number, src: number, count: number): void;
}

/** The parts of the WebAssembly API used here (this package's TypeScript libraries do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: abstract new (...args: never[]) => object;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

let compiled: object | undefined;
const instances = new WeakMap<object, HeapSimd>();

/** The wasm backend's memory (Emscripten's `Module.asm.memory`), if this build exposes it. */
function heapMemory(backend: BackendWasm): object | undefined {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  return memory instanceof wasmApi.Memory ? memory : undefined;
}

/**
 * The SIMD loops on `backend`'s heap, or undefined where they cannot run (a wasm build that
 * hides its memory, a runtime without wasm SIMD): the callers then keep their other path.
 */
export function heapSimd(backend: BackendWasm): HeapSimd | undefined {
  const memory = heapMemory(backend);
  if (memory === undefined) return undefined;
  let instance = instances.get(memory);
  if (instance === undefined) {
    try {
      compiled ??= new wasmApi.Module(MODULE_BYTES);
    } catch {
      return undefined;
    }
    instance = new wasmApi.Instance(compiled, { env: { memory } }).exports as unknown as HeapSimd;
    instances.set(memory, instance);
  }
  return instance;
}

/** The byte offset of a Float32Array view of the heap, in floats from `index` on. */
export function heapAddress(view: Float32Array, index = 0): number {
  return view.byteOffset + 4 * index;
}
