/**
 * `gan check` says what `gan train` would: it opens the data (a missing folder, images of
 * mixed sizes, a shape the files do not hold are errors at the spec's line), and it never
 * blocks on a FIFO named as the spec, the plan or the data.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { gan, greyPng as grey } from "./test-train-helpers.js";

registerCommand("train", () => import("./train.js"));

const dir = mkdtempSync(path.join(os.tmpdir(), "gan-check-data-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function images(name: string, files: Record<string, Uint8Array>): string {
  const full = path.join(dir, name);
  mkdirSync(full, { recursive: true });
  for (const [entry, content] of Object.entries(files)) writeFileSync(path.join(full, entry), content);
  return full;
}

/** A spec on a folder of 4x4 images (the folder need not exist); returns its path. */
function spec(name: string, folder: string, shape = "[4, 4, 1]"): string {
  const file = path.join(dir, `${name}.gan`);
  writeFileSync(
    file,
    `gan ${name} {
  data images "${folder}" { shape: ${shape} }
  latent 4
  generator {
    dense 16 sigmoid
    reshape [4, 4, 1]
  }
  discriminator {
    flatten
    dense 1
  }
  train { steps 2 batch 2 backend cpu }
}
`,
  );
  return file;
}

describe("gan check opens the data as gan train will", () => {
  test("a folder that trains passes", async () => {
    const folder = images("good", { "a.png": grey(4, 4), "b.png": grey(4, 4) });
    const file = spec("good", folder);
    expect(await gan("check", file)).toEqual({ code: 0, stdout: `${file}: ok\n`, stderr: "" });
  });

  test("a missing folder is an error at its path, with no shape suggested", async () => {
    const missing = path.join(dir, "no-such-folder");
    const { code, stderr } = await gan("check", spec("missing", missing));
    expect(code).toBe(1);
    expect(stderr).toContain(`missing.gan:2:15: error: data images: ${missing}: no such folder\n`);
    expect(stderr).not.toContain("shape: [28, 28, 1]");
  });

  test("images of mixed sizes", async () => {
    const folder = images("mixed", { "a.png": grey(4, 4), "b.png": grey(5, 4) });
    const { code, stderr } = await gan("check", spec("mixed", folder));
    expect(code).toBe(1);
    expect(stderr).toContain(
      `mixed.gan:2:15: error: data images: ${path.join(folder, "b.png")}: 5x4 pixels, but ${path.join(folder, "a.png")} (the first image) is 4x4: give the data a size, size: [4, 4], to resize them all\n`,
    );
  });

  test("a declared shape the files do not hold, at the shape", async () => {
    const folder = images("small", { "a.png": grey(2, 2) });
    const { code, stderr } = await gan("check", spec("small", folder));
    expect(code).toBe(1);
    expect(stderr).toContain("small.gan:2:");
    expect(stderr).toContain("error: data images: the files hold images of [2, 2, 1] (height x width x channels), but the spec gives shape [4, 4, 1]\n");
  });
});

describe("FIFOs are refused before they are opened (these tests would hang otherwise)", () => {
  test("as the spec of gan check", async () => {
    const pipe = path.join(dir, "spec-fifo.gan");
    execFileSync("mkfifo", [pipe]);
    expect(await gan("check", pipe)).toEqual({ code: 1, stdout: "", stderr: `gan: ${pipe}: is a FIFO, not a regular file: a .gan file must be a regular file\n` });
  });

  test("as the plan of gan train", async () => {
    const pipe = path.join(dir, "plan-fifo.json");
    execFileSync("mkfifo", [pipe]);
    expect(await gan("train", pipe)).toEqual({ code: 1, stdout: "", stderr: `gan: ${pipe}: is a FIFO, not a regular file: a plan must be a regular file\n` });
  });
});
