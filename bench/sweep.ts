/**
 * Sweep wall time: the same sweep run three ways on this machine, each from scratch.
 *
 *   node --conditions=@gan/source --import tsx bench/sweep.ts [--steps N] [--seeds N] [--no-write]
 *
 *   1. on a Redis queue with one `gan worker --concurrency 1`;
 *   2. on the same queue with two such workers (two processes, as on two machines);
 *   3. locally, `gan sweep --jobs 2`, no Redis.
 *
 * Each configuration gets a fresh artifacts directory and a new, empty Redis, so no run is
 * reused from an earlier one (a sweep reuses every run it already has: that is the point of
 * stable run ids, and would make the second configuration look free). The time is the wall
 * time of the `gan sweep` command, from start to the printed table, workers started before.
 * Runs must be long enough for training to dominate: each run's start (tsx, the wasm compile)
 * keeps both cores busy for a few seconds, so 20-step runs show no speed-up from a second
 * worker at all (23.3 s against 23.2 s for 4 runs); hence 1,000 steps by default.
 * Needs redis-server (apt-get install redis-server). Results go to bench/RESULTS.md,
 * section "Sweeps" (other sections are left alone).
 */
import { flag, hasFlag } from "./bench-args.js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { redisServerInstalled, startRedis } from "../packages/cli/src/queue/test-redis.js";
import { machineLine, writeResultsSection } from "./results-file.js";

const STEPS = Number(flag("--steps") ?? 1000);
const SEEDS = Number(flag("--seeds") ?? 2);
const WRITE = !hasFlag("--no-write");

const root = fileURLToPath(new URL("..", import.meta.url));
const SPEC = "examples/ring8.gan";
const GRID = ["--grid", "@gan/minibatch-stddev.group=2,4", "--grid", "@gan/label-smoothing.real=0.9,1"];
const GAN = [process.execPath, "--conditions=@gan/source", "--import", "tsx", path.join(root, "packages/cli/src/bin.ts")];

if (!redisServerInstalled()) {
  console.error("bench/sweep.ts needs redis-server: apt-get install redis-server");
  process.exit(1);
}

function gan(argv: string[], quiet = true): ChildProcess {
  return spawn(GAN[0]!, [...GAN.slice(1), ...argv], { cwd: root, stdio: ["ignore", quiet ? "ignore" : "inherit", "pipe"] });
}

function finished(child: ChildProcess, what: string): Promise<void> {
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) =>
    child.on("exit", (code, signal) => (code === 0 || signal === "SIGTERM" ? resolve() : reject(new Error(`${what} exited ${code ?? signal}:\n${stderr}`)))),
  );
}

interface Timing {
  label: string;
  seconds: number;
  runs: number;
}

async function timeSweep(label: string, workers: number, onQueue: boolean): Promise<Timing> {
  const artifacts = mkdtempSync(path.join(os.tmpdir(), "gan-bench-sweep-"));
  const server = await startRedis(); // a new, empty one for each configuration
  const redisUrl = server.url;
  const extra = onQueue ? ["--queue", redisUrl] : ["--jobs", "2"];
  const started = Array.from({ length: workers }, () => gan(["worker", "--queue", redisUrl, "--artifacts", artifacts, "--concurrency", "1"]));
  const stopped = started.map((w, i) => finished(w, `worker ${i + 1}`));
  try {
    const t0 = performance.now();
    const sweep = gan(["sweep", SPEC, ...GRID, "--seeds", String(SEEDS), "--steps", String(STEPS), "--artifacts", artifacts, ...extra]);
    await finished(sweep, `gan sweep (${label})`);
    const seconds = (performance.now() - t0) / 1000;
    const runs = 4 * SEEDS;
    console.log(`${label}: ${seconds.toFixed(1)} s for ${runs} runs of ${STEPS} steps`);
    return { label, seconds, runs };
  } finally {
    for (const w of started) w.kill("SIGTERM");
    await Promise.all(stopped);
    rmSync(artifacts, { recursive: true, force: true });
    await server.stop();
  }
}

const results: Timing[] = [];
results.push(await timeSweep("1 worker (--concurrency 1)", 1, true));
results.push(await timeSweep("2 workers (--concurrency 1 each)", 2, true));
results.push(await timeSweep("local, --jobs 2", 0, false));

const [one, two, local] = results as [Timing, Timing, Timing];
const text = [
  "## Sweeps",
  "",
  `The same sweep of \`${SPEC}\` (${GRID.filter((g) => g !== "--grid").join(" x ")}, ${SEEDS} seeds: ${one.runs} runs of ${STEPS} steps,`,
  "each trained and then evaluated in its own processes), run three ways from scratch: each configuration gets a fresh",
  "artifacts directory and a new Redis, so no run is reused. Wall time of `gan sweep` from start to the printed table,",
  "the workers started before it. Target: 2 workers at least 1.7x faster than 1 on this 2-core machine.",
  "",
  `${machineLine()}; redis-server on 127.0.0.1.`,
  "`node --conditions=@gan/source --import tsx bench/sweep.ts" + (STEPS !== 1000 || SEEDS !== 2 ? ` --steps ${STEPS} --seeds ${SEEDS}` : "") + "`",
  "",
  "| configuration | wall time | speed-up over 1 worker |",
  "|---|---:|---:|",
  ...results.map((r) => `| ${r.label} | ${r.seconds.toFixed(1)} s | ${(one.seconds / r.seconds).toFixed(2)}x |`),
  "",
  `2 workers against local \`--jobs 2\`: ${(two.seconds / local.seconds).toFixed(2)} times the wall time. The queue adds Redis round trips,`,
  "lock renewals and result collection; a local sweep starts its own child processes the same way, so the two are within noise.",
  "",
].join("\n");
console.log("\n" + text);
if (WRITE) writeResultsSection("Sweeps", text);
