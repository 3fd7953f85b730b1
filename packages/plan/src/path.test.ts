import { describe, expect, it } from "vitest";
import { formatPath } from "./path.js";

describe("formatPath", () => {
  it("joins keys with dots and indices with brackets", () => {
    expect(formatPath(["networks", "generator", "layers", 2, "units"])).toBe("networks.generator.layers[2].units");
  });
  it("quotes keys that are not identifiers", () => {
    expect(formatPath(["tricks", 0, "options", "max-norm"])).toBe('tricks[0].options["max-norm"]');
    expect(formatPath(["a b"])).toBe('["a b"]');
  });
  it("starts with an index when the root is an array", () => {
    expect(formatPath([3, "x"])).toBe("[3].x");
  });
  it("is empty for the root", () => {
    expect(formatPath([])).toBe("");
  });
});
