/**
 * The README's spec compiles (training on images is tested on 8x8 images in index.test.ts:
 * two steps of the README's MNIST DCGAN took over two minutes on the cpu backend of a loaded
 * 2-core machine), and a spec on
 * points is refused where it uses the trick.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { createCompileHost } from "@gan/core/runtime";
import { compile, formatDiagnostics } from "@gan/dsl";

const here = fileURLToPath(new URL(".", import.meta.url));
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

test("the README's spec compiles, with the policies it names", async () => {
  const text = /```gan\n([\s\S]*?)```/.exec(readme)![1]!;
  const result = await compile(text, { file: `${here}readme.gan`, host: createCompileHost() });
  expect(formatDiagnostics(result.diagnostics, text)).toBe("");
  const plan = result.plan!;
  const use = plan.tricks.find((item) => item.package === "@gan/diffaugment")!;
  expect(use.options).toEqual({ policy: ["color", "translation", "cutout"], translation: 0.125, cutout: 0.5 });
});

test("a spec on non-image data is refused at the use line, naming the trick", async () => {
  const text = [
    "gan points {",
    "  data ring",
    "  latent 4",
    "  generator { dense 2 }",
    "  discriminator { dense 1 }",
    "  loss nonsaturating",
    "  train { steps 10 }",
    '  use "@gan/diffaugment"',
    "}",
  ].join("\n");
  const result = await compile(text, { file: `${here}points.gan`, host: createCompileHost() });
  expect(result.diagnostics.map((d) => d.message)).toEqual([
    "trick '@gan/diffaugment' failed in its rewrite hook: @gan/diffaugment augments images of shape [height, width, channels], but the ring data has examples of shape [2]: remove @gan/diffaugment or train on images",
  ]);
  expect(formatDiagnostics(result.diagnostics, text)).toContain("points.gan:8:3");
});
