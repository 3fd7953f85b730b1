/**
 * A network with blocks (issue 17's graph networks) from spec to samples, with real `gan`
 * processes: a ResNet- and SAGAN-style spec (residual blocks with and without a shortcut
 * projection, an upsampling block, self-attention in both networks, an add over branches,
 * global average pooling) compiles, trains on blas and on wasm, resumes after kill -9 with the
 * losses of an uninterrupted run, and `gan sample` draws from it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { expectExactResume, gan } from "./test-train-helpers.js";

registerCommand("compile", () => import("./compile.js"));
registerCommand("train", () => import("./train.js"));
registerCommand("sample", () => import("./sample.js"));

const SPEC = `gan resnet {
  data ring
  latent 4
  generator {
    dense 2*2*8 relu
    reshape [2, 2, 8]
    residual {
      batchnorm relu
      conv 8 kernel 3
      batchnorm relu
      conv 8 kernel 3
    }
    residual {
      upsample 2
      conv 4 relu
    } shortcut {
      upsample 2
      conv 4 kernel 1
    }
    attention
    flatten
    dense 2
  }
  discriminator {
    dense 2*2*4 leakyrelu
    reshape [2, 2, 4]
    residual {
      conv 4 leakyrelu
      conv 8
    } shortcut {
      conv 8 kernel 1
    }
    add {
      branch {
        conv 8 leakyrelu
      }
      branch {}
    }
    attention
    globalavgpool
    dense 1
  }
  loss hinge
  train {
    steps 12
    batch 8
    seed 5
    checkpoint every 1
    log every 1
  }
}
`;

let dir: string;
let plan: { train: Record<string, unknown>; name: string };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "gan-cli-residual-"));
  writeFileSync(path.join(dir, "resnet.gan"), SPEC);
  const compiled = await gan("compile", path.join(dir, "resnet.gan"), "-o", path.join(dir, "resnet.json"));
  expect(compiled.code, compiled.stderr).toBe(0);
  plan = JSON.parse(readFileSync(path.join(dir, "resnet.json"), "utf8"));
}, 60_000);

describe.each(["blas", "wasm"])("a ResNet- and SAGAN-style spec on %s", (backend) => {
  test("trains, resumes after kill -9 with the losses of an uninterrupted run, and gan sample draws from it", async () => {
    const planFile = path.join(dir, `resnet-${backend}.json`);
    writeFileSync(planFile, JSON.stringify({ ...plan, train: { ...plan.train, backend } }));
    const runDir = await expectExactResume(planFile, dir, { name: "resnet", label: backend, steps: 12 });

    const samples = path.join(dir, `${backend}-samples.csv`);
    const sampled = await gan("sample", runDir, "-n", "5", "-o", samples, "--format", "csv", "--backend", backend);
    expect(sampled.code, sampled.stderr).toBe(0);
    const rows = readFileSync(samples, "utf8").trim().split("\n");
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.at(-1)!.split(",").map(Number).every(Number.isFinite)).toBe(true);
  }, 240_000);
});
