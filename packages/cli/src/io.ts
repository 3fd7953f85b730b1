/**
 * Where commands write. Tests swap these for buffers with `captureOutput`, so commands can be
 * exercised in-process instead of spawning a Node process per case.
 */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

const processOutput: Output = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

let current: Output = processOutput;

export const output: Output = {
  out: (text) => current.out(text),
  err: (text) => current.err(text),
};

/** Runs `body` with output captured; returns what it wrote. */
export async function captureOutput<T>(body: () => Promise<T>): Promise<{ result: T; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const previous = current;
  current = { out: (text) => void (stdout += text), err: (text) => void (stderr += text) };
  try {
    const result = await body();
    return { result, stdout, stderr };
  } finally {
    current = previous;
  }
}
