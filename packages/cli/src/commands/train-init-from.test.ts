/**
 * `gan train --init-from`: a new run that starts from another run's networks, weights only,
 * with a plan that may differ as long as the networks' weights keep their names and shapes.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { tinyRingSpec } from "@gan/core/testing";
import { gan, scratchDirectory } from "../test-support.js";

registerCommand("train", () => import("./train.js"));

const dir = scratchDirectory("gan-init-from-test-", { inRepository: true });

/** The tiny ring GAN with learning rate `lr` on both sides and `extra` lines before its closing brace. */
function spec(lr: string, extra = ""): string {
  return tinyRingSpec(`  loss nonsaturating
  optimizer adam { lr: ${lr} }
  train {
    steps 4
    batch 8
    seed 2
    backend cpu
    log every 1
    sample every 0
  }
${extra}`);
}

function writeSpec(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The one run directory under `out`. */
function runIn(out: string): string {
  const name = readdirSync(out)[0]!;
  return path.join(out, name, readdirSync(path.join(out, name))[0]!);
}

let source: string;
beforeAll(async () => {
  const trained = await gan("train", writeSpec("source.gan", spec("1e-2")), "--out", path.join(dir, "source"), "--no-eval");
  expect(trained.code, trained.stderr).toBe(0);
  source = runIn(path.join(dir, "source"));
}, 120_000);

describe("gan train --init-from", () => {
  test("starts a new run at step 0 from the checkpoint's networks, with a trick added", async () => {
    // Learning rate 0: the networks the new run ends with are the ones it started from.
    const file = writeSpec("smoothed.gan", spec("0", '  use "@gan/label-smoothing" { real: 0.9 }\n'));
    const out = path.join(dir, "smoothed");
    const { code, stderr } = await gan("train", file, "--out", out, "--no-eval", "--init-from", source);
    expect(code, stderr).toBe(0);
    const runDir = runIn(out);
    const checkpoint = path.join(source, "checkpoints", "step-000004");
    const info = JSON.parse(readFileSync(path.join(runDir, "run.json"), "utf8")) as { initFrom: unknown; stepsCompleted: number };
    expect(info.initFrom).toEqual({ checkpoint, step: 4, networks: "both" });
    expect(info.stepsCompleted).toBe(4);
    expect(readFileSync(path.join(runDir, "log.txt"), "utf8")).toContain(`weights from: ${checkpoint} (step 4); optimizers, tricks and schedules start afresh`);
    expect(readFileSync(path.join(runDir, "generator", "weights.bin"))).toEqual(readFileSync(path.join(checkpoint, "generator", "weights.bin")));
    expect(readFileSync(path.join(runDir, "checkpoints", "step-000004", "discriminator", "weights.bin"))).toEqual(readFileSync(path.join(checkpoint, "discriminator", "weights.bin")));
  });

  test("a trick that reshapes D cannot start from the weights: refused before a run directory exists", async () => {
    const file = writeSpec("stddev.gan", spec("1e-2", '  use "@gan/minibatch-stddev" { group: 4 }\n'));
    const out = path.join(dir, "stddev");
    const { code, stderr } = await gan("train", file, "--out", out, "--init-from", source);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^gan: --init-from .*step-000004: the checkpoint's discriminator does not fit this plan's: it has no d2_dense\/kernel, which this plan's has \(shape \[9, 1\]\) \(a trick or a change that reshapes a network, such as @gan\/pack or @gan\/minibatch-stddev, cannot start from weights trained without it; --init-networks generator starts G from the checkpoint and D afresh\)\n$/);
    expect(existsSync(out)).toBe(false);
  });

  test("--init-networks generator: G from the checkpoint, D afresh, so a trick that reshapes D can start", async () => {
    const file = writeSpec("stddev-g.gan", spec("0", '  use "@gan/minibatch-stddev" { group: 4 }\n'));
    const out = path.join(dir, "stddev-g");
    const { code, stderr } = await gan("train", file, "--out", out, "--no-eval", "--init-from", source, "--init-networks", "generator");
    expect(code, stderr).toBe(0);
    const runDir = runIn(out);
    const checkpoint = path.join(source, "checkpoints", "step-000004");
    expect(JSON.parse(readFileSync(path.join(runDir, "run.json"), "utf8")).initFrom).toEqual({ checkpoint, step: 4, networks: "generator" });
    expect(readFileSync(path.join(runDir, "log.txt"), "utf8")).toContain(", the generator's only (D starts afresh)");
    expect(readFileSync(path.join(runDir, "generator", "weights.bin"))).toEqual(readFileSync(path.join(checkpoint, "generator", "weights.bin")));
    expect(await gan("train", file, "--init-networks", "generator")).toMatchObject({ code: 2, stderr: "gan: gan train: --init-networks goes with --init-from\n" });
  });

  test("mistakes: no such directory, a directory without a checkpoint, with --resume", async () => {
    const file = writeSpec("plain.gan", spec("1e-2"));
    const nowhere = path.join(dir, "nowhere");
    expect(await gan("train", file, "--init-from", nowhere)).toMatchObject({ code: 1, stderr: `gan: --init-from ${nowhere}: no such run or checkpoint directory\n` });
    expect(await gan("train", file, "--init-from", dir)).toMatchObject({
      code: 1,
      stderr: `gan: --init-from ${dir}: neither a checkpoint (no manifest.json) nor a run directory with a valid checkpoint\n`,
    });
    expect(await gan("train", "--resume", source, "--init-from", source)).toMatchObject({
      code: 2,
      stderr: "gan: gan train: --resume continues a run; --init-from starts a new one from another run's weights: give one of them\n",
    });
  });
});
