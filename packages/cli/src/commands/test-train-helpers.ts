/**
 * Shared by the `gan train` tests: running the CLI in-process, and the tiny plan most of them
 * train. Not part of the package (tests only).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { encodePng, listCheckpoints } from "@gan/core/runtime";
import { expect } from "vitest";
import { captureOutput } from "../io.js";
import { main } from "../main.js";
import { gan, scratchDirectory } from "../test-support.js";

export { gan } from "../test-support.js";

/**
 * Trains `plan` (written to `<dir>/<label>.json`) with `gan train ... --out <dir>/<label>`;
 * the run directory. Throws with gan's messages when it fails.
 */
export async function trainedRun(plan: object, dir: string, label: string, ...flags: string[]): Promise<string> {
  const planFile = path.join(dir, `${label}.json`);
  writeFileSync(planFile, JSON.stringify(plan));
  const out = path.join(dir, label);
  const { code, stderr } = await gan("train", planFile, "--out", out, ...flags);
  if (code !== 0) throw new Error(`gan train exited with ${code}:\n${stderr}`);
  const name = readdirSync(out)[0]!;
  return path.join(out, name, readdirSync(path.join(out, name))[0]!);
}

/** `gan ...argv` with stdout taken for a terminal. */
export async function ganOnTerminal(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { result, stdout, stderr } = await captureOutput(() => main(argv), { stdoutIsTTY: true });
  return { code: result, stdout, stderr };
}

/** A grey PNG of width x height (one channel). */
export const greyPng = (width: number, height: number) => encodePng(width, height, 1, new Uint8Array(width * height).fill(128));

/** A generator from 4 latent values to `shape` and a discriminator from `shape` to a logit, each one dense layer. */
export function tinyImageNetworks(shape: number[]) {
  return {
    generator: { inputShape: [4], layers: [{ type: "dense", units: shape.reduce((a, b) => a * b) }, { type: "reshape", shape }] },
    discriminator: { inputShape: shape, layers: [{ type: "flatten" }, { type: "dense", units: 1 }] },
  };
}

/** A plan on a folder of two 2x2 grey PNGs (written into `imagesDir`): an image run that trains in a moment. */
export function tinyImagePlan(imagesDir: string) {
  mkdirSync(imagesDir, { recursive: true });
  for (const name of ["a.png", "b.png"]) writeFileSync(path.join(imagesDir, name), greyPng(2, 2));
  const shape = [2, 2, 1];
  return {
    ...tinyRingPlan({ name: "tiny-images", train: { steps: 2, batch: 2, logEvery: 1 } }),
    data: { kind: "images", dir: imagesDir, shape, nativeRange: [0, 1], range: [0, 1] },
    networks: tinyImageNetworks(shape),
  };
}

interface TinyPlanOverrides {
  name?: string;
  optimizers?: object;
  train?: object;
}

/**
 * A hand-written plan.json: a ring GAN with one hidden layer of 8 on each side, which trains
 * in a moment on cpu. `train` fields are merged over the defaults (4 steps of batch 16 on cpu).
 */
export function tinyRingPlan(overrides: TinyPlanOverrides = {}) {
  return {
    planVersion: 1,
    name: overrides.name ?? "tiny",
    source: { file: "tiny.gan", sha256: "0".repeat(64) },
    data: { kind: "ring", shape: [2], nativeRange: null, range: null },
    latent: { size: 4 },
    networks: {
      generator: { inputShape: [4], layers: [{ type: "dense", units: 8, activation: { kind: "relu" } }, { type: "dense", units: 2 }] },
      discriminator: { inputShape: [2], layers: [{ type: "dense", units: 8, activation: { kind: "relu" } }, { type: "dense", units: 1 }] },
    },
    loss: { kind: "nonsaturating" },
    optimizers: overrides.optimizers ?? { generator: { kind: "adam" }, discriminator: { kind: "adam" } },
    train: { steps: 4, batch: 16, logEvery: 2, backend: "cpu", ...overrides.train },
    tricks: [] as object[],
    rewrites: [],
  };
}

const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const bin = path.join(repoRoot, "packages/cli/src/bin.ts");

/** A run's losses as metrics.jsonl logged them, step by step: what a resumed run must repeat exactly. */
export function runLosses(runDir: string): { step: number; d_loss: number; g_loss: number }[] {
  return readFileSync(path.join(runDir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { step: number; d_loss: number; g_loss: number })
    .map(({ step, d_loss, g_loss }) => ({ step, d_loss, g_loss }));
}

/** A scratch directory (removed after the test file) with `plan` written in it as `file`, for `gan train` to read. */
export function scratchPlan(prefix: string, plan: object, file = "tiny.json"): { dir: string; planFile: string } {
  const dir = scratchDirectory(prefix);
  const planFile = path.join(dir, file);
  writeFileSync(planFile, JSON.stringify(plan));
  return { dir, planFile };
}

export interface TrainProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** `gan train PLAN --out OUT` in a child process (for signals, kill -9 and concurrent writers). */
export function startTrain(planFile: string, out: string, ...flags: string[]): TrainProcess {
  const child = spawn(process.execPath, ["--conditions=@gan/source", "--import", "tsx", bin, "train", planFile, "--out", out, ...flags], {
    cwd: repoRoot,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited };
}

/** The one run directory under `out` of a plan named `name`, once it exists. */
export function runDirIn(out: string, name = "tiny"): string | undefined {
  const nameDir = path.join(out, name);
  if (!existsSync(nameDir)) return undefined;
  const runs = readdirSync(nameDir);
  return runs.length === 1 ? path.join(nameDir, runs[0]!) : undefined;
}

/** Waits until the run under `out` has a first checkpoint (or the process ends); its run directory. */
export async function firstCheckpoint(out: string, exited: Promise<unknown>, name = "tiny"): Promise<string | undefined> {
  let done = false;
  void exited.then(() => (done = true));
  for (;;) {
    const runDir = runDirIn(out, name);
    if (runDir && listCheckpoints(path.join(runDir, "checkpoints")).length > 0) return runDir;
    if (done) return runDir;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Trains `planFile` twice under `dir`: straight through, and killed with kill -9 after its
 * first checkpoint, then resumed (`flags` go to the straight run and the resume). Expects
 * `steps` finite losses from the first and the very same losses from the second; resolves
 * with the resumed run's directory. `label` names the two runs' folders.
 */
export async function expectExactResume(planFile: string, dir: string, run: { name: string; label: string; steps: number; flags?: string[] }): Promise<string> {
  const flags = run.flags ?? [];
  const straight = await gan("train", planFile, "--out", path.join(dir, `${run.label}-straight`), ...flags);
  expect(straight.code, straight.stderr).toBe(0);
  const reference = runLosses(runDirIn(path.join(dir, `${run.label}-straight`), run.name)!);
  expect(reference).toHaveLength(run.steps);
  expect(reference.every(({ d_loss, g_loss }) => Number.isFinite(d_loss) && Number.isFinite(g_loss))).toBe(true);

  const out = path.join(dir, `${run.label}-killed`);
  const { child, exited } = startTrain(planFile, out);
  const runDir = await firstCheckpoint(out, exited, run.name);
  child.kill("SIGKILL");
  const { signal } = await exited;
  // A run that finished before the kill has nothing to resume; with a checkpoint at every step it rarely does.
  if (signal === "SIGKILL") {
    const resumed = await gan("train", "--resume", runDir!, ...flags);
    expect(resumed.code, resumed.stderr).toBe(0);
  }
  expect(runLosses(runDir!)).toEqual(reference);
  return runDir!;
}
