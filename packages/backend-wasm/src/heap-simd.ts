import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/**
 * Two loops in WebAssembly SIMD that run on the wasm backend's own memory (its heap, where
 * every tensor lives), for the work JavaScript does one float at a time and XNNPACK only in
 * many separate kernel calls:
 *
 * - `adam`, `sgd`, `momentum`, `rmsprop`: an optimizer's update of one variable (its new
 *   value to another buffer) and its slots (Adam's moments...) in place, the float32 operations of tfjs's optimizer in its
 *   order, four lanes at a time. wasm's f32x4 add, sub, mul, div and sqrt round exactly as the
 *   scalar float32 operations (IEEE 754, no flush of denormals), so the result is
 *   bit-identical to tfjs's optimizer on wasm, which runs the same operations as separate
 *   kernels (14 per variable for Adam). Each returns a number that is NaN exactly when a
 *   gradient entry is not finite (the sum of g - g over all g).
 * - `addInto`: dst[i] += src[i], for col2im's scattered additions (im2col.ts), and `copy`:
 *   dst[i] = src[i], for im2col's gathered copies, each on a series of runs at fixed strides
 *   (the filter rows of one output pixel's patch), so that a patch takes one call instead of
 *   one per filter row.
 * - `addRelu`: dst[i] = relu(dst[i] + src[i]) on runs as addInto's: a ReLU layer's bias and
 *   activation in place on its product, where tfjs runs XNNPACK's Add (f32x4.add) and then
 *   wasm's Relu (XNNPACK's: the float's bits as a signed integer, at least 0, so -0 and every
 *   negative NaN give 0 and a positive NaN stays as it is), the same operations, so the same bits.
 * - `add`, `sub`, `mul`, `div` and their `...Scalar` forms: out[i] = a[i] op b[i] (b[0] for the
 *   scalar forms), where wasm's binary kernels pay more in JavaScript than in arithmetic on a
 *   few hundred floats (the sigmoid losses' chains); the same f32 operations as XNNPACK's.
 * - `reluGradient`: out[i] = dy[i] * step(y[i]), ReLU's gradient from its output, in one pass
 *   where tfjs runs wasm's Step (a scalar loop) and then XNNPACK's Multiply (f32x4.mul): the
 *   same product of the same step values (1, 0, or NaN where y is NaN), so the same bits.
 * - `batchNorm`: out[i] = offset[c] + (x[i] - mean[c]) * scale[c] / norm[c] over a tensor whose
 *   last axis is the channel c, the operations of wasm's FusedBatchNorm in its order and
 *   precision (a scalar loop with four index wraps per value there), two lanes at a time.
 * - `batchNormGrad`: the full-size products of tfjs-core's FusedBatchNorm gradient (dx and the
 *   three the mean's, variance's and scale's gradients sum), each in tfjs's operand order, in one
 *   pass where tfjs runs a Sub, a Tile and eight Multiply kernels over the feature map.
 * - `leakyRelu` and `leakyReluGradient`: a leaky ReLU layer's activation, in place on its
 *   product, and its gradient from its output, where tfjs runs wasm's LeakyRelu, and Greater,
 *   Multiply (f32x4.mul) and Select: the same selections of the same products.
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
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Const: (value: number) => [0x43, ...new Uint8Array(Float32Array.of(value).buffer)],
  i32GtS: [0x4a],
  f32Gt: [0x5e],
  i32LtS: [0x48],
  i32FromF32Bits: [0xbc],
  select: [0x1b],
  simd: (code: number, ...immediates: number[]) => [0xfd, ...uleb(code), ...immediates],
};
const v128Load = op.simd(0x00, 4, 0);
const v128Store = op.simd(0x0b, 4, 0);
const v128Load32Splat = op.simd(0x09, 2, 0);
const f32x4Splat = op.simd(0x13);
const f32x4ExtractLane = (lane: number) => op.simd(0x1f, lane);
const f32x4Sqrt = op.simd(0xe3);
const f32x4Add = op.simd(0xe4);
const f32x4Sub = op.simd(0xe5);
const f32x4Mul = op.simd(0xe6);
const f32x4Div = op.simd(0xe7);
const f32x4Ne = op.simd(0x42);
const i32x4MaxS = op.simd(0xb8);
const i32x4MinS = op.simd(0xb6);
const f32x4Gt = op.simd(0x44);
const v128And = op.simd(0x4e);
const v128Bitselect = op.simd(0x52);
/** A v128 constant of four float32 lanes equal to `value`. */
const f32x4Const = (value: number) => op.simd(0x0c, ...Array.from({ length: 4 }, () => [...new Uint8Array(Float32Array.of(value).buffer)]).flat());

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

// ---- the optimizers' updates ------------------------------------------------------------------
// rule(value, gradient, newValue, slot...: i32, count: i32, constant...: f32) -> f32
// Writes the first count & ~3 floats of the variable's new value, and updates its slots in
// place (each lane is read before it is written); the caller does the last 0-3. The new value
// goes to a buffer of its own: the wasm backend caches XNNPACK operators, weights packed, by
// tensor, so a weight must never change under its tensor. Returns the sum of g - g over those
// floats: 0 while every gradient entry is finite, NaN from the first that is not.

/** What a rule's body is written with: its operands as instruction sequences. */
interface RuleOperands {
  /** Pushes the four floats of pointer parameter `pointer` (0: value, 1: gradient, 2: new value, 3+: the slots) at the current offset. */
  load(pointer: number): number[];
  /** Stores the v128 that `value` pushes at pointer parameter `pointer`'s current offset. */
  store(pointer: number, value: number[]): number[];
  /** Pushes constant `k`, splatted to four lanes. */
  constant(k: number): number[];
  /** Pushes the gradient's four floats (loaded once per group). */
  g: number[];
  /** Pushes or sets temporary v128 local `t`. */
  getTemp(t: number): number[];
  setTemp(t: number): number[];
}

interface UpdateRule {
  /** The variable's slots (Adam's m and v): pointer parameters after value, gradient and new value. */
  slots: number;
  constants: number;
  temps: number;
  body(operands: RuleOperands): number[];
}

/** The parameter types, v128 locals and code of an update rule's function. */
function updateFunction(rule: UpdateRule): { params: number[]; locals: [number, number][]; code: number[] } {
  const pointers = 3 + rule.slots;
  const count = pointers;
  const constants = count + 1;
  const offset = constants + rule.constants;
  const end = offset + 1;
  const splat = end + 1;
  const g = splat + rule.constants;
  const temps = g + 1;
  const acc = temps + rule.temps;
  const operands: RuleOperands = {
    load: (pointer) => [...at(pointer, offset), ...v128Load],
    store: (pointer, value) => [...at(pointer, offset), ...value, ...v128Store],
    constant: (k) => op.get(splat + k),
    g: op.get(g),
    getTemp: (t) => op.get(temps + t),
    setTemp: (t) => op.set(temps + t),
  };
  const code = [
    ...wholeGroupsBytes(count, end),
    ...Array.from({ length: rule.constants }, (_, k) => [...op.get(constants + k), ...f32x4Splat, ...op.set(splat + k)]).flat(),
    ...forBytes(offset, end, 16, [
      ...operands.load(1), ...op.set(g),
      ...rule.body(operands),
      // acc += g - g
      ...op.get(acc), ...op.get(g), ...op.get(g), ...f32x4Sub, ...f32x4Add, ...op.set(acc),
    ]),
    ...op.get(acc), ...f32x4ExtractLane(0),
    ...[1, 2, 3].flatMap((lane) => [...op.get(acc), ...f32x4ExtractLane(lane), ...op.f32Add]),
  ];
  return {
    params: [...Array(pointers + 1).fill(I32), ...Array(rule.constants).fill(F32)],
    locals: [[2, I32], [rule.constants + 1 + rule.temps + 1, V128]],
    code,
  };
}

const VALUE = 0;
const NEW_VALUE = 2;
const SLOT0 = 3;
const SLOT1 = 4;

/**
 * tfjs's AdamOptimizer, its operations in its order; slots m and v; constants beta1, beta2,
 * 1 - beta1, 1 - beta2, epsilon, -lr, 1 - beta1^t, 1 - beta2^t:
 *   m' = m * beta1 + g * (1 - beta1);  v' = v * beta2 + (g * g) * (1 - beta2)
 *   value' = ((m' / (1 - beta1^t)) / (sqrt(v' / (1 - beta2^t)) + epsilon)) * -lr + value
 */
const adamRule: UpdateRule = {
  slots: 2,
  constants: 8,
  temps: 2,
  body: ({ load, store, constant, g, getTemp, setTemp }) => [
    ...load(SLOT0), ...constant(0), ...f32x4Mul, ...g, ...constant(2), ...f32x4Mul, ...f32x4Add, ...setTemp(0),
    ...load(SLOT1), ...constant(1), ...f32x4Mul, ...g, ...g, ...f32x4Mul, ...constant(3), ...f32x4Mul, ...f32x4Add, ...setTemp(1),
    ...store(SLOT0, getTemp(0)),
    ...store(SLOT1, getTemp(1)),
    ...store(NEW_VALUE, [
      ...getTemp(0), ...constant(6), ...f32x4Div,
      ...getTemp(1), ...constant(7), ...f32x4Div, ...f32x4Sqrt, ...constant(4), ...f32x4Add,
      ...f32x4Div, ...constant(5), ...f32x4Mul,
      ...load(VALUE), ...f32x4Add,
    ]),
  ],
};

/** tfjs's SGDOptimizer; constant -lr: value' = -lr * g + value. */
const sgdRule: UpdateRule = {
  slots: 0,
  constants: 1,
  temps: 0,
  body: ({ load, store, constant, g }) => [...store(NEW_VALUE, [...constant(0), ...g, ...f32x4Mul, ...load(VALUE), ...f32x4Add])],
};

/**
 * tfjs's MomentumOptimizer (not Nesterov's); slot the accumulation; constants momentum, -lr:
 *   acc' = momentum * acc + g;  value' = -lr * acc' + value
 */
const momentumRule: UpdateRule = {
  slots: 1,
  constants: 2,
  temps: 1,
  body: ({ load, store, constant, g, getTemp, setTemp }) => [
    ...constant(0), ...load(SLOT0), ...f32x4Mul, ...g, ...f32x4Add, ...setTemp(0),
    ...store(SLOT0, getTemp(0)),
    ...store(NEW_VALUE, [...constant(1), ...getTemp(0), ...f32x4Mul, ...load(VALUE), ...f32x4Add]),
  ],
};

/**
 * tfjs's RMSPropOptimizer (not centered); slots the mean square and the moment; constants
 * decay, 1 - decay, momentum, lr, epsilon:
 *   ms' = ms * decay + (g * g) * (1 - decay)
 *   mom' = mom * momentum + (g * lr) / sqrt(ms' + epsilon);  value' = value - mom'
 */
const rmspropRule: UpdateRule = {
  slots: 2,
  constants: 5,
  temps: 2,
  body: ({ load, store, constant, g, getTemp, setTemp }) => [
    ...load(SLOT0), ...constant(0), ...f32x4Mul, ...g, ...g, ...f32x4Mul, ...constant(1), ...f32x4Mul, ...f32x4Add, ...setTemp(0),
    ...load(SLOT1), ...constant(2), ...f32x4Mul,
    ...g, ...constant(3), ...f32x4Mul, ...getTemp(0), ...constant(4), ...f32x4Add, ...f32x4Sqrt, ...f32x4Div,
    ...f32x4Add, ...setTemp(1),
    ...store(SLOT0, getTemp(0)),
    ...store(SLOT1, getTemp(1)),
    ...store(NEW_VALUE, [...load(VALUE), ...getTemp(1), ...f32x4Sub]),
  ],
};

const RULES = { adam: adamRule, sgd: sgdRule, momentum: momentumRule, rmsprop: rmspropRule };
const RULE_NAMES = Object.keys(RULES) as (keyof typeof RULES)[];
const ruleFunctions = RULE_NAMES.map((name) => updateFunction(RULES[name]));

// ---- addInto and copy (dst, src, count, rows, dstStride, srcStride: i32), on `rows` runs of
// `count` floats, run r at dst + r * dstStride and src + r * srcStride (strides in bytes), the
// runs one after the other (so overlapping runs of addInto add in that order):
// addInto: dst[i] += src[i]; copy: dst[i] = src[i] (not overlapping).
const D = { dst: 0, src: 1, count: 2, rows: 3, dstStride: 4, srcStride: 5, offset: 6, whole: 7, end: 8, row: 9 };

/** The runs' loop: each run's whole groups of four by `vectorBody`, its last 0-3 floats by `scalarBody`. */
function runsBody(vectorBody: number[], scalarBody: number[]): number[] {
  return [
    ...wholeGroupsBytes(D.count, D.whole),
    ...op.get(D.count), ...op.i32(2), ...op.i32Shl, ...op.set(D.end),
    ...forBytes(D.row, D.rows, 1, [
      ...op.i32(0), ...op.set(D.offset),
      ...forBytes(D.offset, D.whole, 16, vectorBody),
      ...forBytes(D.offset, D.end, 4, scalarBody),
      ...op.get(D.dst), ...op.get(D.dstStride), ...op.i32Add, ...op.set(D.dst),
      ...op.get(D.src), ...op.get(D.srcStride), ...op.i32Add, ...op.set(D.src),
    ]),
  ];
}

const addIntoBody = runsBody(
  [...at(D.dst, D.offset), ...at(D.dst, D.offset), ...v128Load, ...at(D.src, D.offset), ...v128Load, ...f32x4Add, ...v128Store],
  [...at(D.dst, D.offset), ...at(D.dst, D.offset), ...op.f32Load, ...at(D.src, D.offset), ...op.f32Load, ...op.f32Add, ...op.f32Store],
);
// relu(dst + src): the sum's bits, as a signed integer, at least 0 (i32x4.max_s; scalar: select).
const ADD_RELU_SUM = D.row + 1;
const addReluBody = runsBody(
  [...at(D.dst, D.offset), ...at(D.dst, D.offset), ...v128Load, ...at(D.src, D.offset), ...v128Load, ...f32x4Add, ...f32x4Const(0), ...i32x4MaxS, ...v128Store],
  [
    ...at(D.dst, D.offset),
    ...at(D.dst, D.offset), ...op.f32Load, ...at(D.src, D.offset), ...op.f32Load, ...op.f32Add, ...op.set(ADD_RELU_SUM),
    ...op.get(ADD_RELU_SUM), ...op.f32Const(0), ...op.get(ADD_RELU_SUM), ...op.i32FromF32Bits, ...op.i32(0), ...op.i32GtS, ...op.select,
    ...op.f32Store,
  ],
);
const copyBody = runsBody(
  [...at(D.dst, D.offset), ...at(D.src, D.offset), ...v128Load, ...v128Store],
  [...at(D.dst, D.offset), ...at(D.src, D.offset), ...op.f32Load, ...op.f32Store],
);

// ---- reluGradient (dy, y, out, count: i32): out[i] = dy[i] * step(y[i]) for the first count & ~3
// floats (the caller does the last 0-3), step(y) = 1 where y > 0, y itself (NaN) where y is NaN,
// 0 elsewhere: bitselect(y, (y > 0) & 1.0, y != y), as wasm's Step gives it, then multiplied
// with dy first, as tfjs's mul(dy, step(y)) does.
const R = { dy: 0, y: 1, out: 2, count: 3, offset: 4, end: 5, yLanes: 6 };
const reluGradientBody = [
  ...wholeGroupsBytes(R.count, R.end),
  ...forBytes(R.offset, R.end, 16, [
    ...at(R.y, R.offset), ...v128Load, ...op.set(R.yLanes),
    ...at(R.out, R.offset),
    ...at(R.dy, R.offset), ...v128Load,
    ...op.get(R.yLanes),
    ...op.get(R.yLanes), ...f32x4Const(0), ...f32x4Gt, ...f32x4Const(1), ...v128And,
    ...op.get(R.yLanes), ...op.get(R.yLanes), ...f32x4Ne,
    ...v128Bitselect,
    ...f32x4Mul,
    ...v128Store,
  ]),
];

// ---- leakyRelu (x, out, count: i32, alpha: f32): out[i] = max(x[i], 0) + min(x[i], 0) * alpha
// for i < count (out may be x), max and min of the float's bits as signed integers (so -0 and
// every negative NaN count as negative, and -0 gives +0): what wasm's LeakyRelu does (XNNPACK's
// "iminmax" form, checked bit for bit in the tests); the last 0-3 by the f32 operations. leakyReluGradient (dy, y, out, count: i32, alpha: f32): out[i] = y[i] > 0
// ? dy[i] : dy[i] * alpha for i < count, tfjs's where(greater(y, 0), dy, mul(dy, alpha)).
const LR = { x: 0, out: 1, count: 2, alpha: 3, offset: 4, whole: 5, end: 6, alphaLanes: 7, lanes: 8, value: 9 };
const leakyReluBody = [
  ...wholeGroupsBytes(LR.count, LR.whole),
  ...op.get(LR.count), ...op.i32(2), ...op.i32Shl, ...op.set(LR.end),
  ...op.get(LR.alpha), ...f32x4Splat, ...op.set(LR.alphaLanes),
  ...forBytes(LR.offset, LR.whole, 16, [
    ...at(LR.out, LR.offset),
    ...at(LR.x, LR.offset), ...v128Load, ...op.set(LR.lanes),
    ...op.get(LR.lanes), ...f32x4Const(0), ...i32x4MaxS,
    ...op.get(LR.lanes), ...f32x4Const(0), ...i32x4MinS, ...op.get(LR.alphaLanes), ...f32x4Mul,
    ...f32x4Add,
    ...v128Store,
  ]),
  // The same per float: its bits as a signed integer above 0 (a positive float) or below (a negative one).
  ...forBytes(LR.offset, LR.end, 4, [
    ...at(LR.out, LR.offset),
    ...at(LR.x, LR.offset), ...op.f32Load, ...op.set(LR.value),
    ...op.get(LR.value), ...op.f32Const(0), ...op.get(LR.value), ...op.i32FromF32Bits, ...op.i32(0), ...op.i32GtS, ...op.select,
    ...op.get(LR.value), ...op.f32Const(0), ...op.get(LR.value), ...op.i32FromF32Bits, ...op.i32(0), ...op.i32LtS, ...op.select,
    ...op.get(LR.alpha), ...op.f32Mul,
    ...op.f32Add,
    ...op.f32Store,
  ]),
];
const LG = { dy: 0, y: 1, out: 2, count: 3, alpha: 4, offset: 5, whole: 6, end: 7, alphaLanes: 8, lanes: 9, value: 10 };
const leakyReluGradientBody = [
  ...wholeGroupsBytes(LG.count, LG.whole),
  ...op.get(LG.count), ...op.i32(2), ...op.i32Shl, ...op.set(LG.end),
  ...op.get(LG.alpha), ...f32x4Splat, ...op.set(LG.alphaLanes),
  ...forBytes(LG.offset, LG.whole, 16, [
    ...at(LG.out, LG.offset),
    ...at(LG.dy, LG.offset), ...v128Load, ...op.set(LG.lanes),
    ...op.get(LG.lanes),
    ...op.get(LG.lanes), ...op.get(LG.alphaLanes), ...f32x4Mul,
    ...at(LG.y, LG.offset), ...v128Load, ...f32x4Const(0), ...f32x4Gt,
    ...v128Bitselect,
    ...v128Store,
  ]),
  ...forBytes(LG.offset, LG.end, 4, [
    ...at(LG.out, LG.offset),
    ...at(LG.dy, LG.offset), ...op.f32Load, ...op.set(LG.value),
    ...op.get(LG.value),
    ...op.get(LG.value), ...op.get(LG.alpha), ...op.f32Mul,
    ...at(LG.y, LG.offset), ...op.f32Load, ...op.f32Const(0), ...op.f32Gt,
    ...op.select,
    ...op.f32Store,
  ]),
];

// ---- add, sub, mul, div (a, b, out, count: i32): out[i] = a[i] op b[i] for i < count, the whole
// groups of four by f32x4 operations, the last 0-3 by f32 ones (the same rounding); the ...Scalar
// forms read b[0] for every i.
const B = { a: 0, b: 1, out: 2, count: 3, offset: 4, whole: 5, end: 6, bLanes: 7, bValue: 8 };
const BINARY_OPS = { add: [f32x4Add, op.f32Add], sub: [f32x4Sub, op.f32Sub], mul: [f32x4Mul, op.f32Mul], div: [f32x4Div, op.f32Div] } as const;
type BinaryOp = keyof typeof BINARY_OPS;

function binaryBody(vectorOp: readonly number[], scalarOp: readonly number[], scalarB: boolean): number[] {
  const vectorB = scalarB ? op.get(B.bLanes) : [...at(B.b, B.offset), ...v128Load];
  const floatB = scalarB ? op.get(B.bValue) : [...at(B.b, B.offset), ...op.f32Load];
  return [
    ...wholeGroupsBytes(B.count, B.whole),
    ...op.get(B.count), ...op.i32(2), ...op.i32Shl, ...op.set(B.end),
    ...(scalarB ? [...op.get(B.b), ...v128Load32Splat, ...op.set(B.bLanes), ...op.get(B.b), ...op.f32Load, ...op.set(B.bValue)] : []),
    ...forBytes(B.offset, B.whole, 16, [...at(B.out, B.offset), ...at(B.a, B.offset), ...v128Load, ...vectorB, ...vectorOp, ...v128Store]),
    ...forBytes(B.offset, B.end, 4, [...at(B.out, B.offset), ...at(B.a, B.offset), ...op.f32Load, ...floatB, ...scalarOp, ...op.f32Store]),
  ];
}

const binaryFunctions = (Object.keys(BINARY_OPS) as BinaryOp[]).flatMap((opName) => {
  const [vectorOp, scalarOp] = BINARY_OPS[opName];
  return [
    { name: opName, code: binaryBody(vectorOp, scalarOp, false) },
    { name: `${opName}Scalar`, code: binaryBody(vectorOp, scalarOp, true) },
  ];
});

// ---- batchNorm (x, mean, scale, norm, offset, out, count, channelBytes: i32): for the first
// count floats (an even number, as channelBytes is a multiple of 8), out[i] = offset[c] +
// f32((x[i] - mean[c]) * scale[c]) / norm[c], c the channel (i mod channels): the difference and
// the product in float32, the division and the sum in float64 (what wasm's FusedBatchNorm
// computes, found by comparing bits), two lanes at a time. mean and scale are float32 vectors
// read at byte offset `channel` (wrapping to 0 at channelBytes), norm and offset float64 vectors
// read at twice that.
const N = { x: 0, mean: 1, scale: 2, norm: 3, offset: 4, out: 5, count: 6, channelBytes: 7, at: 8, end: 9, channel: 10 };
const v128Load64Zero = op.simd(0x5d, 3, 0);
const v128Store64Lane0 = op.simd(0x5b, 3, 0, 0);
const f32x4DemoteF64x2Zero = op.simd(0x5e);
const f64x2PromoteLowF32x4 = op.simd(0x5f);
const f64x2Add = op.simd(0xf0);
const f64x2Div = op.simd(0xf3);
/** The address of float64 vector `pointer` at the current channel: pointer + 2 * channel. */
const atDouble = (pointer: number) => [...op.get(pointer), ...op.get(N.channel), ...op.i32(1), ...op.i32Shl, ...op.i32Add];
const batchNormBody = [
  ...op.get(N.count), ...op.i32(2), ...op.i32Shl, ...op.set(N.end),
  ...forBytes(N.at, N.end, 8, [
    ...at(N.out, N.at),
    ...atDouble(N.offset), ...v128Load,
    ...at(N.x, N.at), ...v128Load64Zero, ...at(N.mean, N.channel), ...v128Load64Zero, ...f32x4Sub,
    ...at(N.scale, N.channel), ...v128Load64Zero, ...f32x4Mul,
    ...f64x2PromoteLowF32x4,
    ...atDouble(N.norm), ...v128Load, ...f64x2Div,
    ...f64x2Add,
    ...f32x4DemoteF64x2Zero,
    ...v128Store64Lane0,
    // channel = channel + 8 >= channelBytes ? 0 : channel + 8
    ...op.get(N.channel), ...op.i32(8), ...op.i32Add, ...op.set(N.channel),
    ...op.i32(0), ...op.get(N.channel), ...op.get(N.channel), ...op.get(N.channelBytes), ...op.i32GeU, ...op.select, ...op.set(N.channel),
  ]),
];

// ---- batchNormGrad (dy, x, mean, scale, r, negR, mhrc, dx, pMean, pVariance, pScale, count,
// channelBytes: i32): the full-size passes of tfjs-core's FusedBatchNorm gradient in one, for the
// first count floats (a multiple of four, as channelBytes is of 16), c the channel, with
// r = rsqrt(variance + epsilon), negR = -r and mhrc = r * r * r * -0.5 per channel, each product
// in tfjs's operand order:
//   dx = (dy * r) * scale;                  pMean = negR * (dy * scale)
//   pVariance = (mhrc * (x - mean)) * (dy * scale);  pScale = dy * ((x - mean) * r)
// (the last three are summed over the batch by the caller, as tfjs sums them).
const G = { dy: 0, x: 1, mean: 2, scale: 3, r: 4, negR: 5, mhrc: 6, dx: 7, pMean: 8, pVariance: 9, pScale: 10, count: 11, channelBytes: 12 };
const GL = { at: 13, end: 14, channel: 15, dyLanes: 16, xMinusMean: 17, dyScale: 18 };
const channelLanes = (pointer: number) => [...at(pointer, GL.channel), ...v128Load];
const batchNormGradBody = [
  ...op.get(G.count), ...op.i32(2), ...op.i32Shl, ...op.set(GL.end),
  ...forBytes(GL.at, GL.end, 16, [
    ...at(G.dy, GL.at), ...v128Load, ...op.set(GL.dyLanes),
    ...at(G.x, GL.at), ...v128Load, ...channelLanes(G.mean), ...f32x4Sub, ...op.set(GL.xMinusMean),
    ...op.get(GL.dyLanes), ...channelLanes(G.scale), ...f32x4Mul, ...op.set(GL.dyScale),
    ...at(G.dx, GL.at), ...op.get(GL.dyLanes), ...channelLanes(G.r), ...f32x4Mul, ...channelLanes(G.scale), ...f32x4Mul, ...v128Store,
    ...at(G.pMean, GL.at), ...channelLanes(G.negR), ...op.get(GL.dyScale), ...f32x4Mul, ...v128Store,
    ...at(G.pVariance, GL.at), ...channelLanes(G.mhrc), ...op.get(GL.xMinusMean), ...f32x4Mul, ...op.get(GL.dyScale), ...f32x4Mul, ...v128Store,
    ...at(G.pScale, GL.at), ...op.get(GL.dyLanes), ...op.get(GL.xMinusMean), ...channelLanes(G.r), ...f32x4Mul, ...f32x4Mul, ...v128Store,
    // channel = channel + 16 >= channelBytes ? 0 : channel + 16
    ...op.get(GL.channel), ...op.i32(16), ...op.i32Add, ...op.set(GL.channel),
    ...op.i32(0), ...op.get(GL.channel), ...op.get(GL.channel), ...op.get(G.channelBytes), ...op.i32GeU, ...op.select, ...op.set(GL.channel),
  ]),
];

// ---- the module ------------------------------------------------------------------------------

const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
const name = (text: string) => [...uleb(text.length), ...Buffer.from(text, "utf8")];
const body = (locals: [number, number][], code: number[]) => {
  const content = [...vector(locals.map(([count, type]) => [...uleb(count), type])), ...code, ...op.end];
  return [...uleb(content.length), ...content];
};

// Types: one per update rule, then addInto's, copy's and addRelu's, then reluGradient's and the
// binary operations', then batchNorm's and batchNormGrad's, then leakyRelu's and leakyReluGradient's.
// Functions: the rules, addInto, copy, reluGradient, addRelu, the binary operations, batchNorm,
// batchNormGrad, leakyRelu, leakyReluGradient.
const COPY_TYPE = RULE_NAMES.length;
const RELU_GRADIENT_TYPE = COPY_TYPE + 1;
const BATCH_NORM_TYPE = RELU_GRADIENT_TYPE + 1;
const LEAKY_RELU_TYPE = BATCH_NORM_TYPE + 2;
const LEAKY_RELU_GRADIENT_TYPE = LEAKY_RELU_TYPE + 1;
const LEAKY_RELU = RULE_NAMES.length + 6 + binaryFunctions.length;
const MODULE_BYTES = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vector([
    ...ruleFunctions.map(({ params }) => [0x60, ...vector(params.map((type) => [type])), ...vector([[F32]])]),
    [0x60, ...vector(Array(6).fill([I32])), ...vector([])],
    [0x60, ...vector(Array(4).fill([I32])), ...vector([])],
    [0x60, ...vector(Array(8).fill([I32])), ...vector([])],
    [0x60, ...vector(Array(13).fill([I32])), ...vector([])],
    [0x60, ...vector([[I32], [I32], [I32], [F32]]), ...vector([])],
    [0x60, ...vector([[I32], [I32], [I32], [I32], [F32]]), ...vector([])],
  ])),
  // import env.memory (no minimum, no maximum: any memory)
  ...section(2, vector([[...name("env"), ...name("memory"), 0x02, 0x00, 0x00]])),
  ...section(3, vector([...RULE_NAMES.map((_, i) => [i]), [COPY_TYPE], [COPY_TYPE], [RELU_GRADIENT_TYPE], [COPY_TYPE], ...binaryFunctions.map(() => [RELU_GRADIENT_TYPE]), [BATCH_NORM_TYPE], [BATCH_NORM_TYPE + 1], [LEAKY_RELU_TYPE], [LEAKY_RELU_GRADIENT_TYPE]])),
  ...section(7, vector([
    ...RULE_NAMES.map((ruleName, i) => [...name(ruleName), 0x00, i]),
    [...name("addInto"), 0x00, RULE_NAMES.length],
    [...name("copy"), 0x00, RULE_NAMES.length + 1],
    [...name("reluGradient"), 0x00, RULE_NAMES.length + 2],
    [...name("addRelu"), 0x00, RULE_NAMES.length + 3],
    ...binaryFunctions.map((f, i) => [...name(f.name), 0x00, RULE_NAMES.length + 4 + i]),
    [...name("batchNorm"), 0x00, RULE_NAMES.length + 4 + binaryFunctions.length],
    [...name("batchNormGrad"), 0x00, RULE_NAMES.length + 5 + binaryFunctions.length],
    [...name("leakyRelu"), 0x00, LEAKY_RELU],
    [...name("leakyReluGradient"), 0x00, LEAKY_RELU + 1],
  ])),
  ...section(10, vector([
    ...ruleFunctions.map(({ locals, code }) => body(locals, code)),
    body([[4, I32]], addIntoBody),
    body([[4, I32]], copyBody),
    body([[2, I32], [1, V128]], reluGradientBody),
    body([[4, I32], [1, F32]], addReluBody),
    ...binaryFunctions.map((f) => body([[3, I32], [1, V128], [1, F32]], f.code)),
    body([[3, I32]], batchNormBody),
    body([[3, I32], [3, V128]], batchNormGradBody),
    body([[3, I32], [2, V128], [1, F32]], leakyReluBody),
    body([[3, I32], [2, V128], [1, F32]], leakyReluGradientBody),
  ])),
]);

export interface HeapSimd {
  /**
   * The optimizers' updates of the first count & ~3 floats of a variable (to newValue) and
   * its slots (in place); see the rules above for the slots and constants. Each returns the
   * sum of g - g. Pointers are byte offsets into the heap.
   */
  adam(
    value: number, gradient: number, newValue: number, m: number, v: number, count: number,
    beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number, epsilon: number, negativeLearningRate: number,
    oneMinusAccBeta1: number, oneMinusAccBeta2: number,
  ): number;
  sgd(value: number, gradient: number, newValue: number, count: number, negativeLearningRate: number): number;
  momentum(value: number, gradient: number, newValue: number, accumulation: number, count: number, momentum: number, negativeLearningRate: number): number;
  rmsprop(
    value: number, gradient: number, newValue: number, meanSquare: number, moment: number, count: number,
    decay: number, oneMinusDecay: number, momentum: number, learningRate: number, epsilon: number,
  ): number;
  /**
   * dst[i] += src[i] for i < count, on `rows` runs, run r at dst + r * dstStride and src + r *
   * srcStride, one after the other. Pointers and strides are byte offsets into the heap.
   */
  addInto(dst: number, src: number, count: number, rows: number, dstStride: number, srcStride: number): void;
  /** dst[i] = src[i] for i < count (not overlapping), on `rows` runs as addInto's. */
  copy(dst: number, src: number, count: number, rows: number, dstStride: number, srcStride: number): void;
  /**
   * out[i] = dy[i] * step(y[i]) for the first count & ~3 floats (ReLU's gradient from its
   * output; step(NaN) is NaN); the caller does the last 0-3. Pointers are byte offsets into the heap.
   */
  reluGradient(dy: number, y: number, out: number, count: number): void;
  /** dst[i] = relu(dst[i] + src[i]) for i < count, on `rows` runs as addInto's (relu as wasm's Relu). */
  addRelu(dst: number, src: number, count: number, rows: number, dstStride: number, srcStride: number): void;
  /**
   * out[i] = max(x[i], 0) + min(x[i], 0) * alpha for i < count (all of them; out may be x), max
   * and min by the bits as signed integers: wasm's LeakyRelu, bit for bit (-0 gives +0). Pointers
   * are byte offsets into the heap.
   */
  leakyRelu(x: number, out: number, count: number, alpha: number): void;
  /**
   * out[i] = y[i] > 0 ? dy[i] : dy[i] * alpha for i < count (all of them): leaky ReLU's gradient
   * from its output (for alpha >= 0, y > 0 exactly where the input is), as tfjs's where(greater(y,
   * 0), dy, mul(dy, alpha)). Pointers are byte offsets into the heap.
   */
  leakyReluGradient(dy: number, y: number, out: number, count: number, alpha: number): void;
  /** out[i] = a[i] + b[i] for i < count (all of them); pointers are byte offsets into the heap. */
  add: BinaryLoop;
  sub: BinaryLoop;
  mul: BinaryLoop;
  div: BinaryLoop;
  /**
   * out[i] = offset[c] + f32((x[i] - mean[c]) * scale[c]) / norm[c] for i < count (even), c = i
   * mod channels, channels = channelBytes / 4 (even); the division and the sum in float64, with
   * norm and offset float64 vectors. Pointers are byte offsets into the heap.
   */
  batchNorm(x: number, mean: number, scale: number, norm: number, offset: number, out: number, count: number, channelBytes: number): void;
  /**
   * The full-size passes of tfjs-core's FusedBatchNorm gradient for count floats (a multiple of
   * four) over channelBytes / 4 channels (a multiple of four): dx = (dy * r) * scale, pMean = negR
   * * (dy * scale), pVariance = (mhrc * (x - mean)) * (dy * scale), pScale = dy * ((x - mean) * r),
   * with per-channel vectors mean, scale, r, negR and mhrc. Pointers are byte offsets into the heap.
   */
  batchNormGrad(
    dy: number, x: number, mean: number, scale: number, r: number, negR: number, mhrc: number,
    dx: number, pMean: number, pVariance: number, pScale: number, count: number, channelBytes: number,
  ): void;
  /** out[i] = a[i] + b[0] for i < count, and likewise below. */
  addScalar: BinaryLoop;
  subScalar: BinaryLoop;
  mulScalar: BinaryLoop;
  divScalar: BinaryLoop;
}

/** out[i] = a[i] op b[i] (or b[0]) for i < count. */
export type BinaryLoop = (a: number, b: number, out: number, count: number) => void;

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
