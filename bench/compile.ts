/**
 * Compile-time benchmark (issue 2): a generated spec of 5,000 layers and 200 `use` lines,
 * compiled end to end with the real trick loader (the fixture trick of @gan/core's tests,
 * resolved from a project folder as a user's would be). Target: under one second.
 *
 *   pnpm bench:compile
 */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { compile } from "@gan/dsl";
import { createCompileHost } from "@gan/core/runtime";

const LAYERS = Number(process.env.LAYERS ?? 5000);
const USES = Number(process.env.USES ?? 200);
const REPETITIONS = Number(process.env.REPETITIONS ?? 5);

function generateSpec(): string {
  const hidden: string[] = [];
  // Half the layers in each network; dense layers alternate with activations and dropout so
  // every kind of line the parser sees in MLPs is exercised.
  const perNetwork = LAYERS / 2;
  for (let i = 0; i < perNetwork - 1; i++) {
    hidden.push(i % 3 === 0 ? `    dense 8*2 leakyrelu 0.2` : i % 3 === 1 ? `    batchnorm` : `    dropout 0.1`);
  }
  const uses = Array.from({ length: USES }, (_, i) => `  use "gan-trick-fixture" { real: linear(0.8 -> 0.9, until ${1000 + i}) } from ${i} until ${2000 + i}`);
  return [
    "gan big {",
    "  data grid { side: 5 }",
    "  latent 64",
    "  generator {",
    ...hidden,
    "    dense 2",
    "  }",
    "  discriminator {",
    ...hidden,
    "    dense 1",
    "  }",
    "  loss nonsaturating",
    "  optimizer adam { lr: 1e-4 }",
    "  train { steps 5000 batch 64 }",
    ...uses,
    "}",
    "",
  ].join("\n");
}

const fixtureModules = fileURLToPath(new URL("../packages/core/test-fixtures/trick-project/node_modules", import.meta.url));
const project = mkdtempSync(join(tmpdir(), "gan-bench-compile-"));
try {
  symlinkSync(fixtureModules, join(project, "node_modules"));
  const file = join(project, "big.gan");
  const text = generateSpec();
  writeFileSync(file, text);
  const host = createCompileHost();
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < REPETITIONS + 1; i++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    const { plan, diagnostics } = await compile(text, { file, host });
    const elapsed = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    if (!plan || diagnostics.some((d) => d.severity === "error")) {
      console.error(diagnostics.slice(0, 5));
      throw new Error("the generated spec did not compile");
    }
    // CPU time is reported beside wall time: on a shared machine it is the steadier figure.
    if (i > 0) {
      times.push(elapsed); // the first run includes importing the trick module
      cpuTimes.push((cpu.user + cpu.system) / 1000);
    }
    else console.log(`first compile (imports the trick): ${elapsed.toFixed(0)} ms`);
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const cpuMedian = cpuTimes[Math.floor(cpuTimes.length / 2)]!;
  console.log(`spec: ${text.length} characters, ${LAYERS} layers, ${USES} use lines`);
  console.log(`compile: median ${median.toFixed(0)} ms over ${REPETITIONS} runs (min ${times[0]!.toFixed(0)}, max ${times.at(-1)!.toFixed(0)}); CPU time median ${cpuMedian.toFixed(0)} ms`);
} finally {
  rmSync(project, { recursive: true, force: true });
}
