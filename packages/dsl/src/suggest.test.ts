import { describe, expect, it } from "vitest";
import { closest, editDistance, LAYER_ALIASES } from "./suggest.js";

describe("did you mean", () => {
  it("counts a swap of neighbouring letters as one edit", () => {
    expect(editDistance("desne", "dense")).toBe(1);
    expect(editDistance("lamda", "lambda")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });

  it("suggests a near word, case-insensitively, and nothing for a word too far", () => {
    expect(closest("desne", ["dense", "conv"])).toBe("dense");
    expect(closest("Dense", ["dense", "conv"])).toBe("dense");
    expect(closest("betta1", ["lr", "beta1", "beta2"])).toBe("beta1");
    expect(closest("@gan/gpp", ["@gan/gp", "@gan/ema"])).toBe("@gan/gp");
    expect(closest("xyz", ["dense", "conv"])).toBeUndefined();
    // Short words need to be close: one edit at most, none for two letters.
    expect(closest("cv", ["conv"])).toBeUndefined();
    expect(closest("rleu", ["relu", "tanh"])).toBe("relu");
  });

  it("maps names from other libraries", () => {
    expect(closest("Conv2DTranspose", ["dense", "conv", "deconv"], LAYER_ALIASES)).toBe("deconv");
    expect(closest("BatchNorm2d", ["batchnorm"], LAYER_ALIASES)).toBe("batchnorm");
  });
});
