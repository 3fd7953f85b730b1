import { describe, expect, it } from "vitest";
import type { Layer, TrickLayer } from "./schema.js";
import { convOutputLength, dataShapeFits, deconvLength, formatShape, inferNetworkShapes, type ShapeInferenceResult } from "./shapes.js";

// Expected sizes below were checked against tfjs-layers 4.22 (`layer.apply(tf.input({shape})).shape`).

const relu = { kind: "relu" } as const;
const conv = (filters: number, kernel: number, stride: number, padding: "same" | "valid"): Layer => ({
  type: "conv", filters, kernel, stride, padding,
});
const deconv = (filters: number, kernel: number, stride: number, padding: "same" | "valid"): Layer => ({
  type: "deconv", filters, kernel, stride, padding,
});
const pool = (type: "maxpool" | "avgpool", size: number, padding: "same" | "valid", stride?: number): Layer =>
  stride === undefined ? { type, size, padding } : { type, size, padding, stride };

/** The output shape of a one-layer network, or its first error. */
function single(inputShape: number[], layer: Layer): number[] | string {
  const result = inferNetworkShapes({ inputShape, layers: [layer] });
  return result.ok ? result.outputShape : result.errors[0]!.message;
}

function errorsOf(result: ShapeInferenceResult) {
  if (result.ok) throw new Error(`expected errors, got output ${formatShape(result.outputShape)}`);
  return result.errors;
}

describe("inferNetworkShapes", () => {
  it("infers every layer of a DCGAN generator and discriminator for MNIST", () => {
    const generator = inferNetworkShapes({
      inputShape: [100],
      layers: [
        { type: "dense", units: 7 * 7 * 256, activation: relu },
        { type: "reshape", shape: [7, 7, 256] },
        deconv(128, 5, 1, "same"),
        { type: "batchnorm", momentum: 0.99, epsilon: 1e-3 },
        deconv(64, 5, 2, "same"),
        { type: "activation", activation: { kind: "leakyrelu", alpha: 0.2 } },
        deconv(1, 5, 2, "same"),
      ],
    });
    expect(generator.ok && generator.layers.map((l) => l.outputShape)).toEqual([
      [12544], [7, 7, 256], [7, 7, 128], [7, 7, 128], [14, 14, 64], [14, 14, 64], [28, 28, 1],
    ]);
    expect(generator.ok && generator.outputShape).toEqual([28, 28, 1]);

    const discriminator = inferNetworkShapes({
      inputShape: [28, 28, 1],
      layers: [conv(64, 5, 2, "same"), { type: "dropout", rate: 0.3 }, conv(128, 5, 2, "same"), { type: "flatten" }, { type: "dense", units: 1 }],
    });
    expect(discriminator.ok && discriminator.layers.map((l) => l.outputShape)).toEqual([
      [14, 14, 64], [14, 14, 64], [7, 7, 128], [6272], [1],
    ]);
  });

  it("keeps the other fields of each layer and does not change its input", () => {
    const layers: Layer[] = [{ type: "dense", units: 3, activation: relu, source: { line: 4, column: 5 } }];
    const result = inferNetworkShapes({ inputShape: [2], layers });
    expect(result).toEqual({
      ok: true,
      layers: [{ type: "dense", units: 3, activation: relu, source: { line: 4, column: 5 }, outputShape: [3] }],
      outputShape: [3],
    });
    expect(layers[0]!.outputShape).toBeUndefined();
  });

  describe("conv", () => {
    it("'same' padding: ceil(in / stride)", () => {
      expect(single([28, 28, 1], conv(8, 5, 1, "same"))).toEqual([28, 28, 8]);
      expect(single([7, 7, 3], conv(4, 3, 2, "same"))).toEqual([4, 4, 4]);
    });
    it("'valid' padding: ceil((in - kernel + 1) / stride)", () => {
      expect(single([28, 28, 1], conv(4, 5, 1, "valid"))).toEqual([24, 24, 4]);
      expect(single([28, 28, 1], conv(4, 5, 2, "valid"))).toEqual([12, 12, 4]);
      expect(single([7, 7, 3], conv(4, 3, 2, "valid"))).toEqual([3, 3, 4]);
      expect(single([9, 6, 2], conv(3, 4, 3, "valid"))).toEqual([2, 1, 3]);
      expect(single([5, 5, 2], conv(3, 5, 1, "valid"))).toEqual([1, 1, 3]);
    });
    it("refuses a 'valid' kernel larger than the image", () => {
      expect(single([3, 3, 2], conv(1, 5, 1, "valid"))).toBe(
        "conv with kernel 5 and padding 'valid' needs an input of at least 5x5 but gets [3, 3, 2]: use a smaller kernel or padding 'same'",
      );
      expect(single([8, 4, 2], conv(1, 5, 1, "valid"))).toBe(
        "conv with kernel 5 and padding 'valid' needs an input of at least 5x5 but gets [8, 4, 2]: use a smaller kernel or padding 'same'",
      );
    });
    it("refuses an input that is not an image", () => {
      expect(single([784], conv(8, 3, 1, "same"))).toBe(
        "conv needs an image input [height, width, channels] but gets [784]: add 'reshape' before it",
      );
      expect(single([28, 28], conv(8, 3, 1, "same"))).toBe("conv needs an image input [height, width, channels] but gets [28, 28]");
    });
  });

  describe("deconv", () => {
    it("'same' padding: in * stride", () => {
      expect(single([7, 7, 3], deconv(4, 5, 2, "same"))).toEqual([14, 14, 4]);
      expect(single([7, 7, 3], deconv(4, 3, 1, "same"))).toEqual([7, 7, 4]);
    });
    it("'valid' padding: in * stride + max(kernel - stride, 0), as tfjs-layers' deconvLength", () => {
      expect(single([7, 7, 3], deconv(4, 5, 2, "valid"))).toEqual([17, 17, 4]);
      expect(single([7, 7, 3], deconv(4, 4, 2, "valid"))).toEqual([16, 16, 4]);
      // kernel < stride: tfjs gives 14 where (in - 1) * stride + kernel would give 13.
      expect(single([7, 7, 3], deconv(4, 1, 2, "valid"))).toEqual([14, 14, 4]);
      expect(single([7, 5, 3], deconv(2, 3, 3, "valid"))).toEqual([21, 15, 2]);
    });
    it("refuses an input that is not an image", () => {
      expect(single([100], deconv(8, 3, 1, "same"))).toBe(
        "deconv needs an image input [height, width, channels] but gets [100]: add 'reshape' before it",
      );
    });
  });

  describe("pooling", () => {
    it("moves by its size when it has no stride", () => {
      expect(single([28, 28, 64], pool("maxpool", 2, "valid"))).toEqual([14, 14, 64]);
      expect(single([7, 7, 3], pool("maxpool", 2, "valid"))).toEqual([3, 3, 3]);
      expect(single([7, 7, 3], pool("avgpool", 2, "same"))).toEqual([4, 4, 3]);
    });
    it("uses its stride when it has one", () => {
      expect(single([7, 7, 3], pool("avgpool", 3, "same", 1))).toEqual([7, 7, 3]);
      expect(single([7, 7, 3], pool("maxpool", 3, "valid", 2))).toEqual([3, 3, 3]);
    });
    it("refuses a 'valid' window larger than the image", () => {
      expect(single([2, 2, 8], pool("avgpool", 4, "valid"))).toBe(
        "avgpool of size 4 and padding 'valid' needs an input of at least 4x4 but gets [2, 2, 8]: use a smaller size or padding 'same'",
      );
    });
    it("refuses an input that is not an image", () => {
      expect(single([64], pool("maxpool", 2, "valid"))).toBe(
        "maxpool needs an image input [height, width, channels] but gets [64]: add 'reshape' before it",
      );
    });
  });

  describe("dense", () => {
    it("outputs [units]", () => {
      expect(single([2], { type: "dense", units: 128 })).toEqual([128]);
    });
    it("refuses an image and says to flatten it", () => {
      expect(single([7, 7, 64], { type: "dense", units: 1 })).toBe(
        "dense needs a flat input but gets [7, 7, 64]: add 'flatten' before it",
      );
    });
  });

  describe("reshape and flatten", () => {
    it("reshape keeps the number of values", () => {
      expect(single([12544], { type: "reshape", shape: [7, 7, 256] })).toEqual([7, 7, 256]);
      expect(single([4, 4, 2], { type: "reshape", shape: [32] })).toEqual([32]);
    });
    it("reshape refuses a different number of values", () => {
      expect(single([100], { type: "reshape", shape: [7, 7, 128] })).toBe("reshape to [7, 7, 128] needs 6272 values but gets 100");
      expect(single([10, 10, 2], { type: "reshape", shape: [7, 7, 128] })).toBe(
        "reshape to [7, 7, 128] needs 6272 values but gets 200",
      );
    });
    it("flatten multiplies the dimensions", () => {
      expect(single([7, 7, 128], { type: "flatten" })).toEqual([6272]);
      expect(single([3, 5], { type: "flatten" })).toEqual([15]);
    });
    it("flatten refuses an input that is already flat, as tfjs-layers does", () => {
      expect(single([100], { type: "flatten" })).toBe(
        "flatten needs an input of 2 or more dimensions but gets [100], which is already flat: remove 'flatten'",
      );
    });
  });

  it("batchnorm, dropout and activation keep the shape", () => {
    expect(single([5, 5, 3], { type: "batchnorm", momentum: 0.9, epsilon: 1e-5 })).toEqual([5, 5, 3]);
    expect(single([10], { type: "dropout", rate: 0.5 })).toEqual([10]);
    expect(single([10], { type: "activation", activation: { kind: "tanh" } })).toEqual([10]);
  });

  describe("trick layers", () => {
    const stddev: TrickLayer = { type: "trick", trick: "@gan/minibatch-stddev", name: "minibatch-stddev", options: {} };
    it("ask the trick for their output shape", () => {
      const seen: number[][] = [];
      const result = inferNetworkShapes(
        { inputShape: [8, 8, 16], layers: [stddev, { type: "flatten" }] },
        {
          trickLayerShape(layer, input) {
            seen.push(input);
            expect(layer).toBe(stddev);
            return [input[0]!, input[1]!, input[2]! + 1];
          },
        },
      );
      expect(seen).toEqual([[8, 8, 16]]);
      expect(result.ok && result.layers.map((l) => l.outputShape)).toEqual([[8, 8, 17], [1088]]);
    });
    it("are an error when no trick can be asked", () => {
      expect(errorsOf(inferNetworkShapes({ inputShape: [8, 8, 16], layers: [stddev] }))).toEqual([
        { layerIndex: 0, path: [0], message: "the output shape of layer 'minibatch-stddev' of trick '@gan/minibatch-stddev' is unknown: the trick is not loaded" },
      ]);
    });
    it("report what the trick said when it refuses the input", () => {
      const result = inferNetworkShapes(
        { inputShape: [16], layers: [stddev] },
        {
          trickLayerShape() {
            throw new Error("needs an image input");
          },
        },
      );
      expect(errorsOf(result)).toEqual([
        {
          layerIndex: 0,
          path: [0],
          message: "trick '@gan/minibatch-stddev' could not compute the output shape of layer 'minibatch-stddev' for input [16]: needs an image input",
        },
      ]);
    });
    it("refuse a shape that is not a list of positive integers", () => {
      const result = inferNetworkShapes({ inputShape: [16], layers: [stddev] }, { trickLayerShape: () => [16, 0] });
      expect(errorsOf(result)).toEqual([
        { layerIndex: 0, path: [0], message: "trick '@gan/minibatch-stddev' computed the output shape [16,0] for layer 'minibatch-stddev', which is not a list of positive integers" },
      ]);
    });
  });

  describe("several errors", () => {
    it("goes on while the output shape is still known", () => {
      const result = inferNetworkShapes({
        inputShape: [7, 7, 64],
        layers: [{ type: "dense", units: 100 }, { type: "reshape", shape: [7, 7, 128] }, conv(1, 3, 1, "same"), { type: "dense", units: 1 }],
      });
      expect(errorsOf(result)).toEqual([
        { layerIndex: 0, path: [0], message: "dense needs a flat input but gets [7, 7, 64]: add 'flatten' before it" },
        { layerIndex: 1, path: [1], message: "reshape to [7, 7, 128] needs 6272 values but gets 100" },
        { layerIndex: 3, path: [3], message: "dense needs a flat input but gets [7, 7, 1]: add 'flatten' before it" },
      ]);
    });
    it("stops at a layer whose output shape cannot be known", () => {
      const result = inferNetworkShapes({
        inputShape: [10],
        layers: [conv(1, 3, 1, "same"), { type: "dense", units: 1 }, { type: "reshape", shape: [3] }],
      });
      expect(errorsOf(result)).toEqual([
        { layerIndex: 0, path: [0], message: "conv needs an image input [height, width, channels] but gets [10]: add 'reshape' before it" },
      ]);
    });
  });
});

describe("length formulas", () => {
  it("convOutputLength", () => {
    expect(convOutputLength(28, 5, "valid", 2)).toBe(12);
    expect(convOutputLength(7, 3, "same", 2)).toBe(4);
    expect(convOutputLength(3, 5, "valid", 1)).toBe(-1);
  });
  it("deconvLength", () => {
    expect(deconvLength(7, 2, 5, "valid")).toBe(17);
    expect(deconvLength(7, 2, 1, "valid")).toBe(14);
    expect(deconvLength(7, 2, 5, "same")).toBe(14);
  });
  it("formatShape", () => {
    expect(formatShape([7, 7, 64])).toBe("[7, 7, 64]");
    expect(formatShape([1])).toBe("[1]");
  });
});

describe("dataShapeFits", () => {
  it("accepts the files' shape as it is, flattened, without its one channel, and any channels an images folder converts to", () => {
    expect(dataShapeFits([28, 28, 1], [28, 28, 1], "idx")).toBe(true);
    expect(dataShapeFits([784], [28, 28, 1], "idx")).toBe(true);
    expect(dataShapeFits([28, 28], [28, 28, 1], "idx")).toBe(true);
    expect(dataShapeFits([28, 28, 3], [28, 28, 1], "idx")).toBe(false);
    expect(dataShapeFits([28, 28, 3], [28, 28, 1], "images")).toBe(true);
    expect(dataShapeFits([28, 28, 2], [28, 28, 1], "images")).toBe(false);
    expect(dataShapeFits([28, 28], [28, 28, 3], "images")).toBe(false);
    expect(dataShapeFits([32, 32, 1], [28, 28, 1], "images")).toBe(false);
  });
});
