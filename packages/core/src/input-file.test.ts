import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FileError, readInputFile, readInputFileSync, readInputLines, readInputLinesSync, type InputLine } from "./input-file.js";

const dir = mkdtempSync(path.join(os.tmpdir(), "gan-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A FIFO nobody writes to: opening it for reading would block forever. */
function fifo(name: string): string {
  const file = path.join(dir, name);
  execFileSync("mkfifo", [file]);
  return file;
}

function thrown(body: () => unknown): FileError {
  try {
    body();
  } catch (error) {
    expect(error).toBeInstanceOf(FileError);
    return error as FileError;
  }
  throw new Error("expected a FileError");
}

async function rejected(promise: Promise<unknown>): Promise<FileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FileError);
  return error as FileError;
}

async function lines(file: string, maxLineBytes: number): Promise<InputLine[]> {
  const out: InputLine[] = [];
  for await (const line of readInputLines(file, { maxLineBytes })) out.push(line);
  return out;
}

describe("reading a file the user named", () => {
  it("refuses a FIFO before opening it (the test would hang otherwise)", async () => {
    const pipe = fifo("spec.gan");
    expect(thrown(() => readInputFileSync(pipe, { maxBytes: 1024, what: "spec" })).reason).toBe("is a FIFO, not a regular file: a spec must be a regular file");
    expect((await rejected(readInputFile(pipe, { maxBytes: 1024 }))).reason).toBe("is a FIFO, not a regular file: a file must be a regular file");
    expect((await rejected(lines(pipe, 1024))).reason).toBe("is a FIFO, not a regular file: a file must be a regular file");
    expect(thrown(() => [...readInputLinesSync(pipe, { maxLineBytes: 1024, what: "metrics file" })]).reason).toBe(
      "is a FIFO, not a regular file: a metrics file must be a regular file",
    );
  });

  it("refuses a device such as /dev/zero, which would be read until memory runs out", async () => {
    expect((await rejected(readInputFile("/dev/zero", { maxBytes: 1024, what: "data file" }))).message).toBe(
      "/dev/zero: is a character device, not a regular file: a data file must be a regular file",
    );
  });

  it("refuses a file larger than the limit with both sizes, before reading it", () => {
    const big = path.join(dir, "big.json");
    writeFileSync(big, "x".repeat(3000));
    expect(thrown(() => readInputFileSync(big, { maxBytes: 2048, what: "plan" })).reason).toBe("is 2.93 KiB, more than a plan may be (2 KiB)");
    expect(readInputFileSync(big, { maxBytes: 3000 }).length).toBe(3000);
  });

  it("names a missing file and a folder", () => {
    expect(thrown(() => readInputFileSync(path.join(dir, "none.gan"), { maxBytes: 10, what: "spec" })).reason).toBe("no such file");
    expect(thrown(() => readInputFileSync(dir, { maxBytes: 10, what: "spec" })).reason).toBe("is a folder, expected a spec");
  });

  it("streams lines across chunk boundaries, passes over one longer than the limit, keeps a last line without a newline", async () => {
    const file = path.join(dir, "metrics.jsonl");
    const long = "y".repeat(200_000);
    writeFileSync(file, `first\n${long}\n${"z".repeat(70_000)}\nlast`);
    const expected = [
      { text: "first", tooLong: false },
      { text: "", tooLong: true },
      { text: "z".repeat(70_000), tooLong: false },
      { text: "last", tooLong: false },
    ];
    expect(await lines(file, 100_000)).toEqual(expected);
    expect([...readInputLinesSync(file, { maxLineBytes: 100_000 })]).toEqual(expected);
  });
});
