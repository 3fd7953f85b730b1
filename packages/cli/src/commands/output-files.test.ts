/**
 * Files a user names on the command line (`sample -o`, `compile -o`, `report -o`): a regular
 * file or a new path is replaced atomically, a symbolic link is written through to its
 * target, a character device or a FIFO is written in place and never replaced, anything else
 * is refused, and a failed write (ENOSPC) is an error with exit code 1.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { registerCommand } from "../main.js";
import { tinyRingSpec } from "@gan/core/testing";
import { gan, ganOnTerminal, tinyImagePlan, tinyRingPlan, trainedRun } from "./test-train-helpers.js";

registerCommand("train", () => import("./train.js"));
registerCommand("sample", () => import("./sample.js"));

const SPEC = tinyRingSpec("  train { steps 2 }");

let dir: string;
let ringRun: string;
let spec: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "gan-cli-output-"));
  spec = path.join(dir, "tiny.gan");
  writeFileSync(spec, SPEC);
  ringRun = await trainedRun(tinyRingPlan(), dir, "ring");
});

/** A FIFO with a reader on the other end (`cat`); resolves to what the reader got. */
function fifoWithReader(file: string): Promise<string> {
  execFileSync("mkfifo", [file]);
  const reader = spawn("cat", [file]);
  let received = "";
  reader.stdout.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")));
  return new Promise((resolve) => reader.on("close", () => resolve(received)));
}

describe("-o FILE", () => {
  test("a new path and a regular file get the content; a replaced file keeps its permissions", async () => {
    const fresh = path.join(dir, "fresh.json");
    expect((await gan("compile", spec, "-o", fresh)).code).toBe(0);
    expect(JSON.parse(readFileSync(fresh, "utf8")).name).toBe("tiny");

    const existing = path.join(dir, "existing.csv");
    writeFileSync(existing, "old");
    chmodSync(existing, 0o640);
    expect((await gan("sample", ringRun, "-n", "3", "-o", existing)).code).toBe(0);
    expect(readFileSync(existing, "utf8").split("\n")[0]).toBe("x,y");
    expect(statSync(existing).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).filter((entry) => entry.includes(".tmp-"))).toEqual([]);
  });

  test("a symbolic link: its target is written and the link stays a link", async () => {
    const target = path.join(dir, "target.json");
    writeFileSync(target, "old");
    const link = path.join(dir, "link.json");
    symlinkSync(target, link);
    expect((await gan("compile", spec, "-o", link)).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, "utf8")).name).toBe("tiny");

    // A link to a file that does not exist yet makes the file.
    const dangling = path.join(dir, "dangling.html");
    const made = path.join(dir, "made.html");
    symlinkSync(made, dangling);
    expect((await gan("report", ringRun, "-o", dangling)).code).toBe(0);
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(readFileSync(made, "utf8")).toMatch(/^<!doctype html>/i);
  });

  test.skipIf(process.platform === "win32")("a FIFO is written through, not replaced", async () => {
    const fifo = path.join(dir, "samples.fifo");
    const received = fifoWithReader(fifo);
    const { code, stderr } = await gan("sample", ringRun, "-n", "3", "-o", fifo);
    expect(code, stderr).toBe(0);
    expect((await received).split("\n")[0]).toBe("x,y");
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  test.skipIf(!existsSync("/dev/full"))("a full device (ENOSPC) is an error with exit code 1, and the device stays a device", async () => {
    const { code, stdout, stderr } = await gan("sample", ringRun, "-n", "3", "-o", "/dev/full");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe("gan: /dev/full: cannot write the samples (ENOSPC: no space left on device)\n");
    expect(lstatSync("/dev/full").isCharacterDevice()).toBe(true);
  });

  test("a directory is refused in one line", async () => {
    const folder = path.join(dir, "a-folder");
    mkdirSync(folder);
    const { code, stderr } = await gan("compile", spec, "-o", folder);
    expect(code).toBe(1);
    expect(stderr).toBe(`gan: ${folder} is a directory: cannot write the plan there (give a file name)\n`);
  });
});

describe("gan sample on a terminal", () => {
  test("an image run without -o refuses to put PNG bytes on a terminal, and says what to pass", async () => {
    const imageRun = await trainedRun(tinyImagePlan(path.join(dir, "image-data")), dir, "image-run");
    const refused = await ganOnTerminal("sample", imageRun, "-n", "4");
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe("gan: gan sample: PNG is binary and stdout is a terminal: pass -o FILE (or --format csv for text), or redirect the output\n");

    const csv = await ganOnTerminal("sample", imageRun, "-n", "4", "--format", "csv");
    expect(csv.code).toBe(0);
    expect(csv.stdout.trim().split("\n")).toHaveLength(5);

    // Not a terminal (a pipe, a file): the PNG goes out as it is.
    const piped = await gan("sample", imageRun, "-n", "4");
    expect(piped.code).toBe(0);
    expect(piped.stdout.startsWith("\x89PNG")).toBe(true);
  });
});
