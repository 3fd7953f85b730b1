/**
 * tfjs is loaded in one place (tfjs.ts, with require()): an ESM import of its CommonJS bundles
 * anywhere else in core makes Node scan them for exports at every start of `gan`, about 0.4 s
 * of CPU (bench/RESULTS.md, "Start-up"). Type-only imports cost nothing and are allowed.
 */
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const SRC = path.dirname(fileURLToPath(import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

/** `import ... from "@tensorflow/..."` statements that are not `import type`. */
function valueImportsOfTfjs(source: string): string[] {
  return [...source.matchAll(/^import\s+(?!type\b)[^;]*?from\s+["'](@tensorflow\/[^"']+)["']/gms)].map((match) => match[1]!);
}

test("only tfjs.ts loads TensorFlow.js at start-up; the rest of core uses its `tf` and `tfl`", () => {
  const offenders = sourceFiles(SRC)
    .filter((file) => path.basename(file) !== "tfjs.ts")
    .flatMap((file) => valueImportsOfTfjs(readFileSync(file, "utf8")).map((pkg) => `${path.relative(SRC, file)} imports ${pkg}`));
  expect(offenders).toEqual([]);
});

test("the check itself sees a value import and lets a type import pass", () => {
  expect(valueImportsOfTfjs(`import * as tf from "@tensorflow/tfjs-core";`)).toEqual(["@tensorflow/tfjs-core"]);
  expect(valueImportsOfTfjs(`import {\n  getKernel,\n} from "@tensorflow/tfjs-core";`)).toEqual(["@tensorflow/tfjs-core"]);
  expect(valueImportsOfTfjs(`import type * as TfCore from "@tensorflow/tfjs-core";`)).toEqual([]);
});
