/**
 * The peer benchmark, best against best: one training step (a D update, then a G update) of
 * the same workloads (a ring MLP, an MNIST DCGAN and an MNIST ResNet) in gan, in a hand-written tfjs loop on the same backend, and in
 * PyTorch, each at every thread setting a user would try, one after the other on this machine
 * in one invocation.
 *
 *   node --conditions=@gan/source --import tsx bench/peer.ts [--rounds N] [--scale F] [--budget-s S] [--warmup N] [--only ring-blas,dcgan-blas,resnet-blas,ring-wasm,ring-cpu,dcgan-wasm] [--no-write]
 *   node --conditions=@gan/source --import tsx bench/peer.ts --backends    (`pnpm bench:backends`)
 *
 * --backends: gan alone (no PyTorch, no hand-written loop) on the ring and DCGAN workloads on
 * blas (its default threads) and on wasm, the rounds alternating between them, and the speed-up
 * of blas over wasm per workload; section "blas against wasm" of bench/RESULTS.md.
 *
 * - gan: @gan/core's Trainer on a plan (bench/workloads.ts); on the blas backend with OpenBLAS
 *   at 1 thread and at one per core (GAN_BLAS_THREADS), on wasm and cpu single-threaded.
 * - hand-written: the same networks in tfjs-layers and the textbook tfjs loop, on the same
 *   backend and thread settings.
 * - PyTorch: bench/peer_pytorch.py, the same networks, loss, Adam, batch and reads, at 1 thread
 *   and at one per core (torch.set_num_threads and OPENBLAS_NUM_THREADS both).
 *
 * Every setting is a row; the summary sets gan's fastest row of a workload (any backend, any
 * thread count) against PyTorch's fastest: how a user comparing each tool at its best sees it.
 *
 * Each measurement runs in a process of its own (so peak RSS is that loop's), and every round
 * runs every side once, in turn, so load that comes and goes falls on all of them. The figure
 * is the median wall time per step over every measured step of every round, after warm-up
 * steps. Tensors alive: tf.memory().numTensors after the warm-up and after the last measured
 * step (equal when nothing leaks). PyTorch is installed with apt when it is missing and this
 * runs as root (apt-get install -y python3-torch libopenblas0-pthread: Debian's torch uses the
 * reference BLAS unless OpenBLAS is installed). Results go to bench/RESULTS.md, section
 * "Against PyTorch".
 */
import { flag, hasFlag, median } from "./bench-args.js";
import { execFileSync, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import os from "node:os";
import path from "node:path";
import { machineLine, writeResultsSection } from "./results-file.js";

const ROUNDS = Number(flag("--rounds") ?? 2);
const SCALE = Number(flag("--scale") ?? 1);
const WARMUP_OVERRIDE = flag("--warmup") === undefined ? undefined : Number(flag("--warmup"));
/** A workload's steps and warm-up, with `--warmup` applied. */
const planOf = (id: string) => ({ ...PLAN[id]!, ...(WARMUP_OVERRIDE === undefined ? {} : { warmup: WARMUP_OVERRIDE }) });
const ONLY = flag("--only")?.split(",");
const WRITE = !hasFlag("--no-write");
const BACKENDS_ONLY = hasFlag("--backends");
const BACKEND_WORKLOADS = ["ring-blas", "ring-wasm", "dcgan-blas", "dcgan-wasm"];
/**
 * Each setting's measured steps of a round stop after this many seconds (at least 5 steps):
 * on a loaded machine a multi-threaded step can take 100 times its quiet time (threads
 * waiting at barriers for a sibling the scheduler put off), and the round must still end.
 */
const BUDGET_S = Number(flag("--budget-s") ?? 20);
const MIN_STEPS = 5;
const PYTHON = "/usr/bin/python3";
const CORES = os.cpus().length;
/** The thread settings tried where a side has threads: one, and one per core. */
const THREAD_SETTINGS = [...new Set([1, CORES])];
const here = path.dirname(fileURLToPath(import.meta.url));

/** bench/peer_pytorch.py's --workload. */
type TorchWorkload = "ring" | "dcgan" | "resnet";

/**
 * Steps per round and warm-up steps, by workload: a few seconds of each side per round. Both
 * sides get the same warm-up. The ring's is 500 steps because gan's step is V8-compiled code
 * that keeps being optimised for its first few hundred steps (bench/warmup.ts: 12.1 ms of CPU a
 * step over steps 0-100, 6.9 over 200-300, flat from about 500 on), while PyTorch's is flat
 * from the start; a training runs thousands of steps, so the steady step is what a user waits
 * for. `--warmup N` sets every workload's warm-up (e.g. `--warmup 20`, the earlier window).
 */
const PLAN: Record<string, { torch: TorchWorkload; steps: number; warmup: number }> = {
  "ring-blas": { torch: "ring", steps: 200, warmup: 500 },
  "dcgan-blas": { torch: "dcgan", steps: 15, warmup: 3 },
  "resnet-blas": { torch: "resnet", steps: 10, warmup: 2 },
  "ring-wasm": { torch: "ring", steps: 200, warmup: 500 },
  "ring-cpu": { torch: "ring", steps: 15, warmup: 2 },
  "dcgan-wasm": { torch: "dcgan", steps: 15, warmup: 3 },
};

interface ChildResult {
  ms: number[];
  /** The process's CPU time (every thread) per measured step: what load on the machine stretches least. */
  cpuMsPerStep: number;
  maxRssMiB: number;
  tensorsAfterWarmup: number;
  tensorsAtEnd: number;
}

// ---- child: one side of one workload, in a process of its own --------------------------------
if (flag("--child")) {
  const { Trainer, createRng, openDataSource, selectBackend } = await import("@gan/core/runtime");
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
  const cpuStart = process.cpuUsage();
  const budgetEnd = performance.now() + Number(flag("--budget-s")) * 1000;
  while (ms.length < steps && (ms.length < MIN_STEPS || performance.now() < budgetEnd)) {
    const start = performance.now();
    await step();
    ms.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpuStart);
  const result: ChildResult = { ms, cpuMsPerStep: (cpu.user + cpu.system) / 1000 / ms.length, maxRssMiB: process.resourceUsage().maxRSS / 1024, tensorsAfterWarmup, tensorsAtEnd: tf.memory().numTensors };
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

/** One side of a workload at one thread setting; `threads` is undefined where the side has none to set. */
interface Setting {
  side: "gan" | "hand" | "torch";
  threads: number | undefined;
}

function runChild(id: string, { side, threads }: Setting, steps: number, warmup: number): ChildResult {
  const env = threads === undefined ? process.env : { ...process.env, GAN_BLAS_THREADS: String(threads) };
  const out = execFileSync(
    process.execPath,
    ["--conditions=@gan/source", "--import", "tsx", path.join(here, "peer.ts"), "--child", id, "--side", side, "--steps", String(steps), "--warmup", String(warmup), "--budget-s", String(BUDGET_S)],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 26, env },
  );
  return JSON.parse(out) as ChildResult;
}

interface TorchResult {
  ms: number[];
  cpuMsPerStep: number;
  threads: number;
  maxRssMiB: number;
  torch: string;
  python: string;
  blas: string;
}

function runTorch(workload: TorchWorkload, threads: number, steps: number, warmup: number): TorchResult {
  const out = execFileSync(PYTHON, [path.join(here, "peer_pytorch.py"), "--workload", workload, "--threads", String(threads), "--steps", String(steps), "--warmup", String(warmup), "--budget-s", String(BUDGET_S), "--min-steps", String(MIN_STEPS)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    // OpenBLAS's own pool beside torch's: at one thread each, not one per core competing with torch's.
    env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) },
  });
  return JSON.parse(out) as TorchResult;
}

if (!BACKENDS_ONLY) ensurePyTorch();
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
  side: Setting["side"];
  threads: number | undefined;
  ms: number;
  cpuMs: number;
  rss: number;
  tensors: string;
}

const SIDE_NAMES: Record<Setting["side"], string> = { gan: "gan", hand: "hand-written tfjs", torch: "PyTorch" };

/** Every side and thread setting of one workload, in the order a round runs them. */
function settings(backend: string): Setting[] {
  const tfjsThreads = backend === "blas" ? THREAD_SETTINGS : [undefined];
  return [
    ...tfjsThreads.map((threads) => ({ side: "gan" as const, threads })),
    ...tfjsThreads.map((threads) => ({ side: "hand" as const, threads })),
    ...THREAD_SETTINGS.map((threads) => ({ side: "torch" as const, threads })),
  ];
}

if (BACKENDS_ONLY) {
  const selected = WORKLOADS.filter((workload) => BACKEND_WORKLOADS.includes(workload.id));
  const ms = new Map<string, number[]>(selected.map((workload) => [workload.id, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const workload of selected) {
      console.error(`${workload.id}: round ${round + 1}/${ROUNDS}`);
      const plan = planOf(workload.id);
      ms.get(workload.id)!.push(...runChild(workload.id, { side: "gan", threads: undefined }, Math.max(3, Math.round(plan.steps * SCALE)), plan.warmup).ms);
    }
  }
  const step = (id: string) => median(ms.get(id)!);
  const text = [
    "## blas against wasm",
    "",
    "`pnpm bench:backends`: gan's wall time per training step (`@gan/core`'s Trainer, the workloads of \"Against",
    `PyTorch\") on the blas backend (its default threads) and on wasm, median over every measured step of ${ROUNDS} rounds,`,
    "each in a process of its own, the backends alternating.",
    "",
    `${machineLine()}; gan's blas backend: ${ganBlas()}.`,
    "",
    "| workload | blas ms/step | wasm ms/step | wasm / blas |",
    "|---|---:|---:|---:|",
    ...["ring", "dcgan"].map((name) => {
      const title = selected.find((workload) => workload.id === `${name}-blas`)!.title;
      return `| ${title} | ${step(`${name}-blas`).toFixed(1)} | ${step(`${name}-wasm`).toFixed(1)} | ${(step(`${name}-wasm`) / step(`${name}-blas`)).toFixed(2)}x |`;
    }),
    "",
  ].join("\n");
  console.log(text);
  if (WRITE) writeResultsSection("blas against wasm", text);
  process.exit(0);
}

const rows: Row[] = [];
/** The workloads this run measured, in order. */
const measuredIds: string[] = [];
let torchInfo: TorchResult | undefined;
for (const workload of WORKLOADS) {
  if (ONLY && !ONLY.includes(workload.id)) continue;
  const plan = planOf(workload.id);
  measuredIds.push(workload.id);
  const steps = Math.max(3, Math.round(plan.steps * SCALE));
  const measured = settings(workload.backend).map((setting) => ({ setting, ms: [] as number[], cpuMs: [] as number[], rss: [] as number[], tensors: [] as string[] }));
  for (let round = 0; round < ROUNDS; round++) {
    console.error(`${workload.id}: round ${round + 1}/${ROUNDS}`);
    for (const entry of measured) {
      const { setting } = entry;
      if (setting.side === "torch") {
        // PyTorch's step is 2 to 100 times shorter: more steps for an equally steady median.
        const result = runTorch(plan.torch, setting.threads!, steps * 4, plan.warmup);
        entry.ms.push(...result.ms);
        entry.cpuMs.push(result.cpuMsPerStep);
        entry.rss.push(result.maxRssMiB);
        torchInfo = result;
      } else {
        const result = runChild(workload.id, setting, steps, plan.warmup);
        entry.ms.push(...result.ms);
        entry.cpuMs.push(result.cpuMsPerStep);
        entry.rss.push(result.maxRssMiB);
        entry.tensors.push(`${result.tensorsAfterWarmup} → ${result.tensorsAtEnd}`);
      }
    }
  }
  for (const { setting, ms, cpuMs, rss, tensors } of measured) {
    const row: Row = { title: workload.title, backend: setting.side === "torch" ? "-" : workload.backend, ...setting, ms: median(ms), cpuMs: median(cpuMs), rss: Math.max(...rss), tensors: tensors.join(", ") || "-" };
    rows.push(row);
    console.error(`${workload.id}: ${SIDE_NAMES[row.side]}${row.threads === undefined ? "" : ` at ${row.threads} thread(s)`}: ${row.ms.toFixed(1)} ms/step, CPU ${row.cpuMs.toFixed(1)} ms/step`);
  }
}

const fastest = (candidates: Row[]) => candidates.reduce((a, b) => (b.ms < a.ms ? b : a));
const setting = (row: Row) => `${row.ms.toFixed(1)} ms (${row.side === "torch" ? "" : `${row.backend}, `}${row.threads ?? 1} thread${(row.threads ?? 1) > 1 ? "s" : ""})`;
const titles = [...new Set(rows.map((r) => r.title))];
const summary = titles.map((title) => {
  const ofTitle = rows.filter((r) => r.title === title);
  const gan = fastest(ofTitle.filter((r) => r.side === "gan"));
  const torch = fastest(ofTitle.filter((r) => r.side === "torch"));
  const hand = ofTitle.find((r) => r.side === "hand" && r.backend === gan.backend && r.threads === gan.threads)!;
  // At one thread CPU time is the step's work, whatever else the machine runs: the comparison load stretches least.
  const oneThread = (side: Row["side"]) => Math.min(...ofTitle.filter((r) => r.side === side && (r.threads ?? 1) === 1).map((r) => r.cpuMs));
  return (
    `| ${title} | ${setting(gan)} | ${setting(torch)} | **${(gan.ms / torch.ms).toFixed(2)}** | ${(gan.ms / hand.ms).toFixed(3)} | ` +
    `${oneThread("gan").toFixed(1)} / ${oneThread("torch").toFixed(1)} = ${(oneThread("gan") / oneThread("torch")).toFixed(2)} |`
  );
});

const text = [
  "## Against PyTorch",
  "",
  "Wall time of one training step (a D update, then a G update) of the same networks, loss (non-saturating, BCE with",
  "logits; hinge for the ResNet, examples/mnist-resnet.gan without attention and spectral norm), Adam settings and batch, with a real batch and fresh latents every step and the losses read every 10 steps:",
  "gan (`@gan/core`'s Trainer), the hand-written tfjs loop on the same backend (`bench/workloads.ts`), and PyTorch",
  `(\`bench/peer_pytorch.py\`), each at 1 thread and at one per core (${CORES} here) where it has threads to set: gan's and`,
  "the hand-written loop's OpenBLAS through `GAN_BLAS_THREADS` on the blas backend (wasm and cpu are single-threaded),",
  "PyTorch's `torch.set_num_threads` with `OPENBLAS_NUM_THREADS` set to the same. Median over every measured step of",
  `${ROUNDS} rounds (each setting's steps of a round capped at ${BUDGET_S} s, at least ${MIN_STEPS}), each setting in a process of its own, every round running every setting in turn.`,
  `Each process first runs warm-up steps, the same number on both sides (${measuredIds.map((id) => `${id}: ${planOf(id).warmup}`).join(", ")}): gan's step is JavaScript that V8 keeps optimising over its first few hundred steps (\`bench/warmup.ts\`), so the ring's warm-up is 500 steps unless \`--warmup\` sets it, the steady step a training of thousands of steps runs at. Peak RSS is the`,
  "process's maximum resident set; tensors alive are `tf.memory().numTensors` after the warm-up → after the last step,",
  "one pair per round. Best against best: each workload's fastest gan row against PyTorch's fastest row, the way a user",
  "compares each tool at its best setting. Target: gan / PyTorch at most 1.0; gan within 5% of the hand-written loop.",
  "CPU ms/step is the process's CPU time (all its threads) over the measured steps of a round, the median of the rounds;",
  "at one thread it is the step's work, which load stretches far less than wall time, so the last column compares that, gan's fastest",
  "one-thread backend against PyTorch at one thread.",
  "",
  `${machineLine()}; @tensorflow/tfjs-core ${tf.version_core}, tfjs-layers ${(tfl as unknown as { version_layers: string }).version_layers}, @gan/core ${CORE_VERSION};`,
  `gan's blas backend: ${ganBlas()};`,
  `PyTorch ${torchInfo?.torch ?? "?"} (Debian python3-torch) on Python ${torchInfo?.python ?? "?"}, BLAS loaded: ${torchInfo?.blas ?? "?"}.`,
  `\`pnpm bench:peer${process.argv.slice(2).filter((arg) => arg !== "--no-write").map((arg) => ` ${arg}`).join("")}\``,
  "",
  "| workload | gan at its best | PyTorch at its best | gan / PyTorch, best against best | gan / hand-written, same setting | CPU ms/step at 1 thread, gan / PyTorch |",
  "|---|---:|---:|---:|---:|---:|",
  ...summary,
  "",
  "| workload | side | backend | threads | ms/step | CPU ms/step | peak RSS | tensors alive |",
  "|---|---|---|---:|---:|---:|---:|---|",
  ...rows.map((r) => `| ${r.title} | ${SIDE_NAMES[r.side]} | ${r.backend} | ${r.threads ?? 1} | ${r.ms.toFixed(1)} | ${r.cpuMs.toFixed(1)} | ${r.rss.toFixed(0)} MiB | ${r.tensors} |`),
  "",
].join("\n");
console.log(text);
if (WRITE) writeResultsSection("Against PyTorch", text);
