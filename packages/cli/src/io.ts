/**
 * Where commands write. Tests swap these for buffers with `captureOutput`, so commands can be
 * exercised in-process instead of spawning a Node process per case.
 */
export interface Output {
  out(text: string): void;
  /** Binary output (a PNG, an .npy file) to stdout. */
  outBytes(bytes: Uint8Array): void;
  err(text: string): void;
  /** Whether stdout is a terminal: binary output is refused there. */
  stdoutIsTTY(): boolean;
}

const processOutput: Output = {
  out: (text) => void process.stdout.write(text),
  outBytes: (bytes) => void process.stdout.write(bytes),
  err: (text) => void process.stderr.write(text),
  stdoutIsTTY: () => process.stdout.isTTY === true,
};

let current: Output = processOutput;

export const output: Output = {
  out: (text) => current.out(text),
  outBytes: (bytes) => current.outBytes(bytes),
  err: (text) => current.err(text),
  stdoutIsTTY: () => current.stdoutIsTTY(),
};

/**
 * Runs `body` with output captured; returns what it wrote (binary output as latin1, one
 * character per byte). `stdoutIsTTY` pretends stdout is a terminal.
 */
export async function captureOutput<T>(
  body: () => Promise<T>,
  { stdoutIsTTY = false }: { stdoutIsTTY?: boolean } = {},
): Promise<{ result: T; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const previous = current;
  current = {
    out: (text) => void (stdout += text),
    outBytes: (bytes) => void (stdout += Buffer.from(bytes).toString("latin1")),
    err: (text) => void (stderr += text),
    stdoutIsTTY: () => stdoutIsTTY,
  };
  try {
    const result = await body();
    return { result, stdout, stderr };
  } finally {
    current = previous;
  }
}
