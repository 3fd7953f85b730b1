/**
 * The peer benchmark: one training step (a D update, then a G update) of the same two
 * workloads in gan, in a hand-written tfjs loop on the same backend, and in PyTorch, one
 * after the other on this machine in one invocation.
 *
 *   node --conditions=@gan/source --import tsx bench/peer.ts [--rounds N] [--scale F] [--only ring-blas,dcgan-blas,ring-wasm,ring-cpu,dcgan-wasm] [--no-write]
 *
 * - gan: @gan/core's Trainer on a plan (bench/workloads.ts).
 * - hand-written: the same networks in tfjs-layers and the textbook tfjs loop, on the same backend.
 * - PyTorch: bench/peer_pytorch.py, the same networks, loss, Adam, batch and reads, with 1 and
 *   with 2 threads; the faster counts ("at its best thread count").
 *
 * Each measurement runs in a process of its own (so peak RSS is that loop's), and the rounds
 * alternate between the sides, so load that comes and goes falls on all of them. The figure is
 * the median wall time per step over every measured step of every round, after warm-up steps.
 * Tensors alive: tf.memory().numTensors after the warm-up and after the last measured step
 * (equal when nothing leaks). PyTorch is installed with apt when it is missing and this runs as
 * root (apt-get install -y python3-torch libopenblas0-pthread: Debian's torch uses the
 * reference BLAS unless OpenBLAS is installed). Results go to bench/RESULTS.md, section
 * "Against PyTorch".
 */
import { flag, hasFlag, median } from "./bench-args.js";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { machineLine, writeResultsSection } from "./results-file.js";

const ROUNDS = Number(flag("--rounds") ?? 2);
const SCALE = Number(flag("--scale") ?? 1);
const ONLY = flag("--only")?.split(",");
const WRITE = !hasFlag("--no-write");
const PYTHON = "/usr/bin/python3";
const here = path.dirname(fileURLToPath(import.meta.url));

/** Steps per round and warm-up steps, by workload: a few seconds of each side per round. */
const PLAN: Record<string, { torch: "ring" | "dcgan"; steps: number; warmup: number }> = {
  "ring-blas": { torch: "ring", steps: 200, warmup: 20 },
  "dcgan-blas": { torch: "dcgan", steps: 15, warmup: 3 },
  "ring-wasm": { torch: "ring", steps: 200, warmup: 20 },
  "ring-cpu": { torch: "ring", steps: 15, warmup: 2 },
  "dcgan-wasm": { torch: "dcgan", steps: 15, warmup: 3 },
};

interface ChildResult {
  ms: number[];
  maxRssMiB: number;
  tensorsAfterWarmup: number;
  tensorsAtEnd: number;
}

// ---- child: one side of one workload, in a process of its own --------------------------------
if (flag("--child")) {
  const { Trainer, createRng, openDataSource, selectBackend } = await import("@gan/core");
  const { HandWrittenLoop, WORKLOADS, tf } = await import("./workloads.js");
  const workload = WORKLOADS.find((w) => w.id === flag("--child"))!;
  const side = flag("--side");
  const steps = Number(flag("--steps"));
  const warmup = Number(flag("--warmup"));
  await selectBackend(workload.backend);
  let step: () => Promise<unknown>;
  let dispose: () => void;
  if (side === "gan") {
    const trainer = await Trainer.create(workload.plan);
    step = () => trainer.runStep();
    dispose = () => trainer.dispose();
  } else {
    const rng = createRng(workload.plan.train.seed);
    const data = await openDataSource(workload.plan.data, { rng: rng.split("data") });
    const hand = new HandWrittenLoop(workload.plan, data, rng.split("latent"), workload.handWritten);
    step = () => hand.runStep();
    dispose = () => hand.dispose();
  }
  for (let i = 0; i < warmup; i++) await step();
  const tensorsAfterWarmup = tf.memory().numTensors;
  const ms: number[] = [];
  for (let i = 0; i < steps; i++) {
    const start = performance.now();
    await step();
    ms.push(performance.now() - start);
  }
  const result: ChildResult = { ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, tensorsAfterWarmup, tensorsAtEnd: tf.memory().numTensors };
  dispose();
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

// ---- parent --------------------------------------------------------------------------------
function ensurePyTorch(): void {
  if (spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0) return;
  const install = ["apt-get", "install", "-y", "python3-torch", "libopenblas0-pthread"];
  if (process.getuid?.() !== 0) {
    console.error(`PyTorch is missing from ${PYTHON}; install it with: sudo ${install.join(" ")}`);
    process.exit(1);
  }
  console.error(`installing PyTorch: ${install.join(" ")}`);
  execFileSync(install[0]!, install.slice(1), { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

function runChild(id: string, side: "gan" | "hand", steps: number, warmup: number): ChildResult {
  const out = execFileSync(
    process.execPath,
    ["--conditions=@gan/source", "--import", "tsx", path.join(here, "peer.ts"), "--child", id, "--side", side, "--steps", String(steps), "--warmup", String(warmup)],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 26 },
  );
  return JSON.parse(out) as ChildResult;
}

interface TorchResult {
  ms: number[];
  threads: number;
  torch: string;
  python: string;
  blas: string;
}

function runTorch(workload: "ring" | "dcgan", threads: number, steps: number, warmup: number): TorchResult {
  const out = execFileSync(PYTHON, [path.join(here, "peer_pytorch.py"), "--workload", workload, "--threads", String(threads), "--steps", String(steps), "--warmup", String(warmup)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out) as TorchResult;
}

ensurePyTorch();
const { WORKLOADS, tf, tfl } = await import("./workloads.js");
const { loadNativeBlas } = await import("@gan/backend-wasm");

/** The library the blas rows ran on, as its children load it (the same search, the same environment). */
function ganBlas(): string {
  try {
    return loadNativeBlas().description;
  } catch (error) {
    return `none (${(error as Error).message})`;
  }
}
const { CORE_VERSION } = await import("@gan/core");

interface Row {
  title: string;
  backend: string;
  gan: number;
  hand: number;
  torch: number;
  torchThreads: number;
  torchByThreads: string;
  ganRss: number;
  handRss: number;
  tensors: string;
}

const rows: Row[] = [];
let torchInfo: TorchResult | undefined;
for (const workload of WORKLOADS) {
  if (ONLY && !ONLY.includes(workload.id)) continue;
  const plan = PLAN[workload.id]!;
  const steps = Math.max(3, Math.round(plan.steps * SCALE));
  const gan: ChildResult[] = [];
  const hand: ChildResult[] = [];
  const torch = new Map<number, number[]>([
    [1, []],
    [2, []],
  ]);
  for (let round = 0; round < ROUNDS; round++) {
    console.error(`${workload.id}: round ${round + 1}/${ROUNDS}`);
    gan.push(runChild(workload.id, "gan", steps, plan.warmup));
    hand.push(runChild(workload.id, "hand", steps, plan.warmup));
    for (const threads of [1, 2]) {
      // PyTorch's step is 4 to 40 times shorter: more steps for an equally steady median.
      const result = runTorch(plan.torch, threads, steps * 4, plan.warmup * 2);
      torch.get(threads)!.push(...result.ms);
      torchInfo = result;
    }
  }
  const byThreads = [...torch.entries()].map(([threads, ms]) => ({ threads, ms: median(ms) }));
  const best = byThreads.reduce((a, b) => (b.ms < a.ms ? b : a));
  const row: Row = {
    title: workload.title,
    backend: workload.backend,
    gan: median(gan.flatMap((r) => r.ms)),
    hand: median(hand.flatMap((r) => r.ms)),
    torch: best.ms,
    torchThreads: best.threads,
    torchByThreads: byThreads.map((t) => `${t.ms.toFixed(1)} (${t.threads})`).join(" / "),
    ganRss: Math.max(...gan.map((r) => r.maxRssMiB)),
    handRss: Math.max(...hand.map((r) => r.maxRssMiB)),
    tensors: gan.map((r) => `${r.tensorsAfterWarmup} → ${r.tensorsAtEnd}`).join(", "),
  };
  rows.push(row);
  console.error(`${workload.id}: gan ${row.gan.toFixed(1)} ms, hand-written ${row.hand.toFixed(1)} ms, PyTorch ${row.torchByThreads} ms (threads)`);
}

const text = [
  "## Against PyTorch",
  "",
  "Wall time of one training step (a D update, then a G update) of the same networks, loss (non-saturating, BCE with",
  "logits), Adam settings and batch, with a real batch and fresh latents every step and the losses read every 10 steps:",
  "gan (`@gan/core`'s Trainer), the hand-written tfjs loop on the same backend (`bench/workloads.ts`), and PyTorch",
  "(`bench/peer_pytorch.py`) with 1 and with 2 threads, the faster one counting. Median over every measured step of",
  `${ROUNDS} rounds, each side in a process of its own, the sides alternating. Peak RSS is the process's maximum resident`,
  "set; tensors alive are gan's `tf.memory().numTensors` after the warm-up → after the last step, one pair per round.",
  "Targets: gan at most 3x PyTorch's step time (stretch: parity), and within 5% of the hand-written loop.",
  "",
  `${machineLine()}; @tensorflow/tfjs-core ${tf.version_core}, tfjs-layers ${(tfl as unknown as { version_layers: string }).version_layers}, @gan/core ${CORE_VERSION};`,
  `gan's blas backend: ${ganBlas()};`,
  `PyTorch ${torchInfo?.torch ?? "?"} (Debian python3-torch) on Python ${torchInfo?.python ?? "?"}, BLAS loaded: ${torchInfo?.blas ?? "?"}.`,
  "`node --conditions=@gan/source --import tsx bench/peer.ts`",
  "",
  "| workload | gan backend | gan ms/step | hand-written ms/step | PyTorch ms/step, 1 / 2 threads | gan / PyTorch | gan / hand-written | peak RSS gan / hand-written | tensors alive (gan) |",
  "|---|---|---:|---:|---:|---:|---:|---:|---|",
  ...rows.map(
    (r) =>
      `| ${r.title} | ${r.backend} | ${r.gan.toFixed(1)} | ${r.hand.toFixed(1)} | ${r.torchByThreads.replace(/ \(\d\)/g, "")} | ${(r.gan / r.torch).toFixed(2)} | ` +
      `${(r.gan / r.hand).toFixed(3)} | ${r.ganRss.toFixed(0)} / ${r.handRss.toFixed(0)} MiB | ${r.tensors} |`,
  ),
  "",
].join("\n");
console.log(text);
if (WRITE) writeResultsSection("Against PyTorch", text);
