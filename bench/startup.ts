/**
 * Start-up benchmark: how long `gan --help`, `gan check` and `gan compile` take, from the
 * TypeScript sources through tsx (what `pnpm gan` ran before it ran the build) and from the
 * built JavaScript (`node packages/cli/bin/gan.js`, what `pnpm gan` and an installed `gan` run).
 * Each command runs RUNS times per variant, the variants interleaved so that a change in the
 * machine's load hits both alike (hyperfine-style: wall-clock time per process, median and range),
 * and each process reports its own CPU time (bench/report-cpu-at-exit.mjs), which a busy machine
 * inflates far less than the wall time.
 *
 *   pnpm build && pnpm bench:startup     (RUNS=9 to change the number of runs)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { median } from "./bench-args.js";
import { machineLine, writeResultsSection } from "./results-file.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.env.RUNS ?? 7);
const BUILT_BIN = "packages/cli/bin/gan.js";

const VARIANTS = {
  sources: ["--conditions=@gan/source", "--import", "tsx", "packages/cli/src/bin.ts"],
  built: [BUILT_BIN],
} as const;
type Variant = keyof typeof VARIANTS;

const COMMANDS = [["--help"], ["check", "examples/ring8.gan"], ["compile", "examples/ring8.gan"]];

const REPORT_CPU = fileURLToPath(new URL("./report-cpu-at-exit.mjs", import.meta.url));

/** One `gan ARGS` process: its wall time and its own CPU time, in ms. */
function timeOnce(variant: Variant, args: string[]): { wall: number; cpu: number } {
  const start = performance.now();
  const result = spawnSync(process.execPath, ["--import", REPORT_CPU, ...VARIANTS[variant], ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  const wall = performance.now() - start;
  if (result.status !== 0) throw new Error(`gan ${args.join(" ")} (${variant}) exited with ${result.status}:\n${result.stderr}`);
  return { wall, cpu: Number(String(result.output[3]).trim()) };
}

if (!existsSync(new URL("../packages/cli/dist/bin.js", import.meta.url))) {
  console.error("bench:startup: packages/cli/dist is missing: run `pnpm build` first");
  process.exit(1);
}

const loadBefore = os.loadavg()[0]!;
const rows: string[] = [];
for (const args of COMMANDS) {
  const wall: Record<Variant, number[]> = { sources: [], built: [] };
  const cpu: Record<Variant, number[]> = { sources: [], built: [] };
  timeOnce("built", args); // warm the file cache once, unmeasured
  for (let i = 0; i < RUNS; i++) {
    for (const variant of Object.keys(VARIANTS) as Variant[]) {
      const time = timeOnce(variant, args);
      wall[variant].push(time.wall);
      cpu[variant].push(time.cpu);
    }
  }
  const seconds = (ms: number) => (ms / 1000).toFixed(2);
  const cell = (variant: Variant) =>
    `${seconds(median(wall[variant]))} s (${seconds(Math.min(...wall[variant]))}-${seconds(Math.max(...wall[variant]))}) | ${seconds(median(cpu[variant]))} s`;
  const ratio = median(wall.sources) / median(wall.built);
  rows.push(`| \`gan ${args.join(" ")}\` | ${cell("sources")} | ${cell("built")} | ${ratio.toFixed(1)}x |`);
  console.log(rows.at(-1));
}

const text = [
  "## Start-up",
  "",
  `\`pnpm bench:startup\`: wall-clock time of one \`gan\` process, median (min-max) of ${RUNS} runs, and its CPU time (median), the two`,
  "variants interleaved. *Sources*: `node --conditions=@gan/source --import tsx packages/cli/src/bin.ts`,",
  "what `pnpm gan` ran before; *built*: `node packages/cli/bin/gan.js` (`pnpm build`), what `pnpm gan` runs",
  "when every package's `dist/` is current, and what an installed `gan` runs.",
  "",
  "| command | sources (tsx): wall | CPU | built: wall | CPU | wall, sources / built |",
  "|---|---|---|---|---|---|",
  ...rows,
  "",
  `${machineLine()} (${loadBefore.toFixed(1)} at the start).`,
  "",
];
writeResultsSection("Start-up", text.join("\n"));
console.log("wrote the Start-up section of bench/RESULTS.md");
