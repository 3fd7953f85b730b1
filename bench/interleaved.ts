/**
 * Two training loops measured side by side in one process, one step of each in turn, by CPU
 * time (shared by bench/loop-overhead.ts and bench/kernel-ab.ts): load that comes and goes
 * on a shared machine falls on both alike, and CPU time is what it stretches least.
 */
import { median } from "./bench-args.js";
import { tf } from "./workloads.js";

export interface Timing {
  /** CPU time of this process (user + system) per step, ms. */
  cpu: number;
  /** Wall time per step, ms. */
  wall: number;
}

async function timeStep(run: () => Promise<unknown>): Promise<Timing> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await run();
  const wall = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  return { cpu: (cpu.user + cpu.system) / 1000, wall };
}

/** Mean of the middle 80%: a few steps that met a GC pause or a burst of load do not decide. */
export function trimmedMean(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const cut = Math.floor(sorted.length * 0.1);
  const middle = sorted.slice(cut, sorted.length - cut);
  return middle.reduce((a, b) => a + b, 0) / middle.length;
}

/** The tfjs kernels one step runs, by name: the same list means the same arithmetic. */
export async function kernelsOf(run: () => Promise<unknown>): Promise<Map<string, number>> {
  const info = await tf.profile(async () => {
    await run();
  });
  const counts = new Map<string, number>();
  for (const kernel of info.kernels) counts.set(kernel.name, (counts.get(kernel.name) ?? 0) + 1);
  return counts;
}

export function sameKernels(a: Map<string, number>, b: Map<string, number>): string {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  const differences = names.filter((name) => a.get(name) !== b.get(name)).map((name) => `${name} ${a.get(name) ?? 0} vs ${b.get(name) ?? 0}`);
  return differences.length === 0 ? "identical" : differences.join(", ");
}

/**
 * `steps` steps of each loop, one of each in turn, the order swapped every time; `progress`
 * hears the number done five times along the way.
 */
export async function interleave(a: () => Promise<unknown>, b: () => Promise<unknown>, steps: number, progress: (done: number) => void): Promise<[Timing[], Timing[]]> {
  const timesA: Timing[] = [];
  const timesB: Timing[] = [];
  for (let i = 0; i < steps; i++) {
    if (i % 2 === 0) {
      timesA.push(await timeStep(a));
      timesB.push(await timeStep(b));
    } else {
      timesB.push(await timeStep(b));
      timesA.push(await timeStep(a));
    }
    if ((i + 1) % Math.max(1, Math.floor(steps / 5)) === 0) progress(i + 1);
  }
  return [timesA, timesB];
}

export interface Comparison {
  a: Timing;
  b: Timing;
  /** a / b, trimmed-mean CPU time per step. */
  ratio: number;
  /** Median of the per-step ratios of adjacent steps. */
  pairedRatio: number;
}

/** Summarises `interleave`'s timings: each side's trimmed means, and a / b two ways. */
export function compare(timesA: Timing[], timesB: Timing[]): Comparison {
  const summary = (xs: Timing[]): Timing => ({ cpu: trimmedMean(xs.map((x) => x.cpu)), wall: trimmedMean(xs.map((x) => x.wall)) });
  const a = summary(timesA);
  const b = summary(timesB);
  return { a, b, ratio: a.cpu / b.cpu, pairedRatio: median(timesA.map((x, i) => x.cpu / timesB[i]!.cpu)) };
}
