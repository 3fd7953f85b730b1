/**
 * Bad input through `gan train`: data files that cannot be used and plans that are not
 * valid are refused before anything runs, in one line that names the file and what is
 * wrong, with exit code 1, and no run directory is created.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { idxBytes } from "@gan/core/testing";
import { beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { gan, greyPng, tinyImageNetworks } from "./test-train-helpers.js";

registerCommand("train", () => import("./train.js"));

function planWith(data: object, shape: number[]) {
  return {
    planVersion: 1,
    name: "bad",
    source: { file: "bad.gan", sha256: "0".repeat(64) },
    data: { ...data, shape, nativeRange: [0, 1], range: [0, 1] },
    latent: { size: 4 },
    networks: tinyImageNetworks(shape),
    loss: { kind: "nonsaturating" },
    optimizers: { generator: { kind: "adam" }, discriminator: { kind: "adam" } },
    train: { steps: 2, batch: 2, logEvery: 1, backend: "cpu" },
    tricks: [],
    rewrites: [],
  };
}

let dir: string;
let cases = 0;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "gan-cli-bad-input-"));
});

/** Runs `gan train` on a plan; expects exit 1, one line, and no run directory. */
async function refused(plan: object): Promise<string> {
  const caseDir = path.join(dir, `case-${cases++}`);
  mkdirSync(caseDir, { recursive: true });
  const planFile = path.join(caseDir, "plan.json");
  writeFileSync(planFile, JSON.stringify(plan));
  const out = path.join(caseDir, "runs");
  const { code, stdout, stderr } = await gan("train", planFile, "--out", out);
  expect(code).toBe(1);
  expect(stdout).toBe("");
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  return stderr.trimEnd();
}

function file(name: string, bytes: Uint8Array | string): string {
  const full = path.join(dir, name);
  writeFileSync(full, bytes);
  return full;
}

function folder(name: string, files: Record<string, Uint8Array | string>): string {
  const full = path.join(dir, name);
  mkdirSync(full, { recursive: true });
  for (const [entry, content] of Object.entries(files)) writeFileSync(path.join(full, entry), content);
  return full;
}

describe("gan train refuses unusable data in one line naming the file", () => {
  const pixels = new Uint8Array(3 * 4).fill(7);

  test("a missing IDX file", async () => {
    const missing = path.join(dir, "nowhere-images-idx3-ubyte");
    const line = await refused(planWith({ kind: "idx", images: missing }, [2, 2, 1]));
    expect(line).toContain(missing);
    expect(line).toMatch(/^gan: .*(no such file|not found|does not exist)/);
  });

  test("an IDX file with a wrong magic number", async () => {
    const bytes = idxBytes([3, 2, 2], pixels);
    bytes[0] = 0x12;
    const images = file("magic.idx", bytes);
    const line = await refused(planWith({ kind: "idx", images }, [2, 2, 1]));
    expect(line).toContain(images);
    expect(line).toMatch(/magic/i);
  });

  test("a truncated IDX file", async () => {
    const images = file("truncated.idx", idxBytes([3, 2, 2], pixels).subarray(0, 20));
    const line = await refused(planWith({ kind: "idx", images }, [2, 2, 1]));
    expect(line).toContain(images);
    expect(line).toMatch(/truncated|short|bytes/i);
  });

  test("an IDX file whose dimensions disagree with its size", async () => {
    const images = file("dims.idx", idxBytes([5, 2, 2], pixels));
    const line = await refused(planWith({ kind: "idx", images }, [2, 2, 1]));
    expect(line).toContain(images);
    expect(line).toMatch(/bytes|size/i);
  });

  test("an images folder with mixed sizes and no size to bring them to", async () => {
    const images = folder("mixed", { "a.png": greyPng(2, 2), "b.png": greyPng(3, 2) });
    const line = await refused(planWith({ kind: "images", dir: images }, [2, 2, 1]));
    expect(line).toContain(path.join(images, "b.png"));
    expect(line).toMatch(/3x2|2x3|size/);
  });

  test("an images folder with a file that is not an image", async () => {
    const images = folder("not-image", { "a.png": greyPng(2, 2), "notes.txt": "hello" });
    const line = await refused(planWith({ kind: "images", dir: images }, [2, 2, 1]));
    expect(line).toBe(`gan: ${path.join(images, "notes.txt")}: not an image: an images folder reads .png, .jpg, .jpeg, .webp files (onBadFile: "skip" passes over such files)`);
  });

  test("a device or a FIFO named as data is refused before it is opened (neither is read until memory runs out or blocks)", async () => {
    expect(await refused(planWith({ kind: "idx", images: "/dev/zero" }, [2, 2, 1]))).toBe(
      "gan: /dev/zero: is a character device, not a regular file: a data file must be a regular file",
    );
    const pipe = path.join(dir, "images-fifo.idx");
    execFileSync("mkfifo", [pipe]);
    expect(await refused(planWith({ kind: "idx", images: pipe }, [2, 2, 1]))).toBe(`gan: ${pipe}: is a FIFO, not a regular file: a data file must be a regular file`);
    const images = folder("with-fifo", { "a.png": greyPng(2, 2) });
    execFileSync("mkfifo", [path.join(images, "b.png")]);
    expect(await refused(planWith({ kind: "images", dir: images }, [2, 2, 1]))).toBe(
      `gan: ${path.join(images, "b.png")}: is a FIFO, not a regular file: a PNG, JPEG or WebP image must be a regular file`,
    );
  });

  test("an empty images folder", async () => {
    const images = folder("empty", {});
    const line = await refused(planWith({ kind: "images", dir: images }, [2, 2, 1]));
    expect(line).toContain(images);
    expect(line).toMatch(/no images in the folder/);
  });
});

describe("gan train validates a plan.json before anything runs", () => {
  test("an unknown field is refused with its path, and nothing is created", async () => {
    const plan = planWith({ kind: "ring" }, [2]) as Record<string, unknown>;
    const withUnknown = { ...plan, networks: { ...(plan.networks as object), generator: { inputShape: [4], layers: [{ type: "dense", units: 2, actvation: "relu" }] } } };
    const caseDir = path.join(dir, "unknown-field");
    mkdirSync(caseDir);
    const planFile = path.join(caseDir, "plan.json");
    writeFileSync(planFile, JSON.stringify(withUnknown));
    const out = path.join(caseDir, "runs");
    const { code, stderr } = await gan("train", planFile, "--out", out);
    expect(code).toBe(1);
    expect(stderr).toMatch(/is not a valid plan:\n/);
    expect(stderr).toContain("\nnetworks.generator.layers[0].actvation: unknown field");
    expect(existsSync(out)).toBe(false);
  });
});

describe("gan train --on-bad-file", () => {
  test("skip trains on the images that decode and names each skipped file in the run's log; a wrong value is a usage error", async () => {
    const images = path.join(dir, "with-bad-files");
    mkdirSync(images);
    writeFileSync(path.join(images, "a.png"), greyPng(2, 2));
    writeFileSync(path.join(images, "b.png"), greyPng(2, 2));
    writeFileSync(path.join(images, "broken.png"), "not a PNG");
    writeFileSync(path.join(images, "notes.txt"), "hello");
    const planFile = path.join(dir, "bad-files.json");
    writeFileSync(planFile, JSON.stringify(planWith({ kind: "images", dir: images }, [2, 2, 1])));
    const out = path.join(dir, "bad-files-runs");
    const { code, stderr } = await gan("train", planFile, "--out", out, "--on-bad-file", "skip", "--no-eval");
    expect(code, stderr).toBe(0);
    const [run] = readdirSync(path.join(out, "bad"));
    const log = readFileSync(path.join(out, "bad", run!, "log.txt"), "utf8");
    expect(log).toContain("warning: skipped notes.txt: not an image");
    expect(log).toMatch(/warning: skipped broken\.png: not a readable PNG, JPEG or WebP image \(.+\)\n/);
    expect(log).toContain(`warning: skipped 2 of 4 files of ${images}`);
    expect(log).toContain(`data: images: 2 images of 2x2x1 from ${images}`);
    const wrong = await gan("train", planFile, "--on-bad-file", "ignore");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("gan train: --on-bad-file must be stop or skip, got 'ignore'\n");
  });
});
