/**
 * Sweeps on BullMQ workers over a Redis server of the test's own (see test-redis.ts). The
 * Redis tests are skipped, saying so, where redis-server is not installed; CI installs it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { tinyRingSpec, tinyTraining } from "@gan/core/testing";
import { planHash } from "@gan/plan";
import type { RunSpec } from "../experiment/expand.js";
import type { ExecutedRun } from "../experiment/summarise.js";
import { ganInvocation } from "../gan-invocation.js";
import { specCompiler } from "../experiment/expand.js";
import { gan as run, scratchDirectory } from "../test-support.js";
import { redisOptions } from "./connection.js";
import { defineSweep } from "./definition.js";
import { SweepProgress } from "../experiment/progress.js";
import { experimentMarkdown, type SweepRecord } from "../experiment/results.js";
import { runOnQueue } from "./run-on-queue.js";
import { SweepQueue } from "./sweep-queue.js";
import { freePort, redisServerInstalled, startRedis, type TestRedis } from "./test-redis.js";
import { startWorker } from "./worker-loop.js";

// Specs are written inside the repository, where the trick packages resolve.
const dir = scratchDirectory("gan-queue-test-", { inRepository: true });

// Small and quick, but long enough (300 steps, a checkpoint every 10) for a worker to be
// killed in the middle of a run, after its first checkpoint.
const SPEC = tinyRingSpec(`${tinyTraining({ steps: 300, batch: 32, seed: 1, backend: "cpu", "log every": 10, "checkpoint every": 10 })}
  use "@gan/leaky-relu" { alpha: 0.2 }
  use "@gan/label-smoothing" { real: 0.9 }`);
const file = path.join(dir, "tiny.gan");
writeFileSync(file, SPEC);


describe("--queue URL", () => {
  test("is a redis:// URL", () => {
    expect(redisOptions("redis://user:p%40ss@example.org:7000/2")).toEqual({ host: "example.org", port: 7000, username: "user", password: "p@ss", db: 2 });
    expect(redisOptions("rediss://[::1]")).toEqual({ host: "::1", port: 6379, tls: {} });
    expect(() => redisOptions("localhost:6379")).toThrow("--queue 'localhost:6379': the URL must start with redis:// (or rediss:// for TLS)");
    expect(() => redisOptions("redis://h:1/x")).toThrow("--queue 'redis://h:1/x': the path must be a database number (redis://HOST:PORT/0)");
  });

  test("an unreachable Redis is one line naming the URL, exit code 1, for sweep, ablate, worker and status", async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const line = `gan: cannot reach Redis at ${url}: connection refused (is redis-server running there?)\n`;
    const sweep = await run("sweep", file, "--grid", "@gan/label-smoothing.real=0.9,1", "--queue", url);
    expect(sweep).toMatchObject({ code: 1, stderr: line });
    expect(await run("worker", "--queue", url)).toMatchObject({ code: 1, stderr: line });
    expect(await run("sweep", "status", "tiny-0123456789", "--queue", url)).toMatchObject({ code: 1, stderr: line });
    const ablate = await run("ablate", file, "--seeds", "1", "--queue", url, "--out", path.join(dir, "unreachable"));
    expect(ablate.code).toBe(1);
    expect(ablate.stderr.endsWith(line)).toBe(true);
    expect(await run("worker")).toMatchObject({ code: 2, stderr: "gan: gan worker: --queue redis://HOST:PORT is required (the Redis the sweeps are submitted to)\n" });
    expect(await run("worker", "--queue", url, "--allow-tricks-from", path.join(dir, "no-such-dir"))).toMatchObject({
      code: 1,
      stderr: `gan: gan worker: --allow-tricks-from ${path.join(dir, "no-such-dir")}: no such directory\n`,
    });
    expect(await run("sweep", file, "--grid", "@gan/label-smoothing.real=1", "--queue", url, "--jobs", "2")).toMatchObject({
      code: 2,
      stderr: "gan: gan sweep: --jobs is for a local sweep; with --queue, each gan worker has its own --concurrency\n",
    });
  });
});

const installed = redisServerInstalled();
if (!installed) console.warn("redis-server is not installed: the tests of sweeps on Redis workers are skipped (apt-get install redis-server)");

describe.skipIf(!installed)("sweeps on Redis workers (skipped without redis-server: apt-get install redis-server)", () => {
  let redis: TestRedis;
  const processes: ChildProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(
      processes.filter((p) => p.exitCode === null && p.signalCode === null).map(
        (p) =>
          new Promise<void>((resolve) => {
            const force = setTimeout(() => p.kill("SIGKILL"), 15_000);
            p.once("exit", () => {
              clearTimeout(force);
              resolve();
            });
            p.kill("SIGTERM");
          }),
      ),
    );
    await redis?.stop();
  });

  test("a run that fails is one row with its error: a wrong plan at once, a crash after its retries", async () => {
    const plan = await specCompiler(file)(SPEC);
    const runs: RunSpec[] = ["wrong", "crash"].map((variant) => ({
      runId: `${variant}-s1-0000000000`,
      variant,
      label: variant,
      change: { kind: "none" },
      seed: 1,
      plan,
      planHash: planHash(plan),
    }));
    const definition = defineSweep({ kind: "sweep", name: "failing", spec: file, command: "test", seeds: [1], runs });
    // A stand-in for `gan`: the plan is wrong (exit 1, a `gan:` line), or the process dies.
    const fakeGan = [
      process.execPath,
      "-e",
      'if (process.argv.join(" ").includes("crash")) process.kill(process.pid, "SIGKILL"); else { console.error("gan: the plan is wrong"); process.exit(1); }',
    ];
    const log: string[] = [];
    const artifacts = path.join(dir, "failing");
    // Database 1: what this test leaves queued is not for the next test's workers.
    const url = `${redis.url}/1`;
    const worker = await startWorker({ url, concurrency: 2, artifacts, stallSeconds: 5, log: (line) => log.push(line), gan: fakeGan });
    let progressText = "";
    const seen: ExecutedRun[] = [];
    const { results, interrupted } = await runOnQueue({
      url,
      definition,
      runs,
      tricksFrom: dir,
      progress: new SweepProgress({ write: (text) => void (progressText += text), isTTY: false }),
      onResult: (_, result) => seen.push(result),
      pollMs: 200,
    });
    worker.stop();
    await worker.closed;
    expect(interrupted).toBe(false);
    expect(seen).toHaveLength(2);
    expect(results.map((r) => r!.error)).toEqual([
      "gan train exited with code 1 (log: logs/wrong-s1-0000000000.log):\ngan: the plan is wrong (1 attempt)",
      "gan train was stopped by SIGKILL (log: logs/crash-s1-0000000000.log) (2 attempts)",
    ]);
    expect(log).toContain("wrong-s1-0000000000: failed: gan train exited with code 1 (log: logs/wrong-s1-0000000000.log): gan: the plan is wrong (not retried: the plan or its tricks are at fault)");
    expect(progressText).toContain("2/2 runs done  2 failed  0 running  0 waiting  100%");
    const { table, markdown } = experimentMarkdown(definition, results as ExecutedRun[]);
    expect(table).toBe("| variant | runs | failed |\n|---|---|--:|\n| wrong | 0 | 1 |\n| crash | 0 | 1 |\n");
    expect(markdown).toContain("## Failed runs\n\n- wrong, seed 1 (wrong-s1-0000000000):\n\n  gan train exited with code 1 (log: logs/wrong-s1-0000000000.log):\n  gan: the plan is wrong (1 attempt)\n");

    // Submitting again tries the failed runs again; nothing else is added.
    const queue = await SweepQueue.open(url);
    try {
      expect(await queue.enqueue(runs, dir)).toEqual({ added: 0, finished: 0, retried: 2, pending: 0 });
      expect((await queue.states(definition)).map((s) => s.state)).toEqual(["waiting", "waiting"]);
    } finally {
      await queue.close();
    }
  }, 60_000);

  test("six runs on two worker processes, one killed with kill -9 in the middle of a run: its run resumes elsewhere, one row per run", async () => {
    const artifacts = path.join(dir, "artifacts");
    const gan = ganInvocation();
    const workerLogs = new Map<ChildProcess, string>();
    const startWorkerProcess = () => {
      const child = spawn(gan[0]!, [...gan.slice(1), "worker", "--queue", redis.url, "--artifacts", artifacts, "--concurrency", "1", "--stall-seconds", "4"], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      workerLogs.set(child, "");
      child.stderr!.setEncoding("utf8");
      child.stderr!.on("data", (chunk: string) => workerLogs.set(child, workerLogs.get(child)! + chunk));
      processes.push(child);
      return child;
    };
    const first = startWorkerProcess();
    startWorkerProcess();
    const sweepArgs = ["sweep", file, "--grid", "@gan/label-smoothing.real=0.9,1", "--seeds", "3", "--queue", redis.url, "--artifacts", artifacts];
    const sweeping = run(...sweepArgs);

    // The first worker's run, once it has a checkpoint and is still training: kill -9.
    const runDirOf = (runId: string): string | undefined => {
      const root = path.join(artifacts, "runs", runId);
      if (!existsSync(root)) return undefined;
      for (const name of readdirSync(root)) for (const stamp of readdirSync(path.join(root, name))) return path.join(root, name, stamp);
      return undefined;
    };
    let victim: string | undefined;
    let checkpointSeen = 0;
    for (let i = 0; i < 1200 && victim === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = [...workerLogs.get(first)!.matchAll(/ (\S+): started/g)].map((m) => m[1]!);
      const current = started.at(-1);
      const runDir = current ? runDirOf(current) : undefined;
      if (!current || !runDir) continue;
      const checkpoints = existsSync(path.join(runDir, "checkpoints")) ? readdirSync(path.join(runDir, "checkpoints")).filter((n) => /^step-\d+$/.test(n)) : [];
      let status: string | undefined;
      try {
        status = (JSON.parse(readFileSync(path.join(runDir, "run.json"), "utf8")) as { status: string }).status;
      } catch {
        continue; // not written yet
      }
      if (checkpoints.length > 0 && status === "running") {
        victim = current;
        checkpointSeen = Math.max(...checkpoints.map((n) => Number(n.slice(5))));
      }
    }
    expect(victim, workerLogs.get(first)).toBeDefined();
    const gone = new Promise((resolve) => first.once("exit", resolve));
    first.kill("SIGKILL");
    await gone;
    // Its `gan train` child goes with it (child-main.ts): nothing else trains in that run directory.
    if (existsSync("/proc")) {
      const trainingVictim = () =>
        readdirSync("/proc").some((pid) => {
          try {
            const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
            return cmdline.includes("child-main") && cmdline.includes(victim!);
          } catch {
            return false;
          }
        });
      for (let i = 0; i < 100 && trainingVictim(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(trainingVictim()).toBe(false);
    }
    // Workers come and go: a new one joins the survivor.
    const third = startWorkerProcess();

    const sweep = await sweeping;
    expect(sweep.code, sweep.stderr).toBe(0);
    const id = /^sweep (tiny-[0-9a-f]{10}) of /m.exec(sweep.stderr)![1]!;
    expect(sweep.stdout).toMatch(/^\| variant \| runs \| modes captured \| high quality % \| reverse KL \|\n\|---\|---\|--:\|--:\|--:\|\n/);
    expect(sweep.stdout).toContain("| @gan/label-smoothing.real=0.9 | 3 | ");
    expect(sweep.stdout).toContain("| @gan/label-smoothing.real=1 | 3 | ");
    expect(sweep.stdout.trimEnd().split("\n")).toHaveLength(4);

    // Exactly one result per run id, every one with metrics.
    const record = JSON.parse(readFileSync(path.join(artifacts, "sweeps", id, "sweep.json"), "utf8")) as SweepRecord;
    expect(record.complete).toBe(true);
    expect(record.runs.map((r) => r.runId)).toEqual(record.definition.runs.map((r) => r.runId));
    expect(new Set(record.runs.map((r) => r.runId)).size).toBe(6);
    for (const result of record.runs) {
      expect(result.error).toBeUndefined();
      expect(result.metrics!.modes).toBeGreaterThanOrEqual(0);
    }
    expect(record.definition.runs.map((r) => r.runId)).toContain(victim);

    // The victim was resumed from a checkpoint at least as late as the one seen before the kill, by another worker.
    const victimDir = path.join(artifacts, record.runs.find((r) => r.runId === victim)!.runDir!);
    const info = JSON.parse(readFileSync(path.join(victimDir, "run.json"), "utf8")) as { status: string; resumes: { fromStep: number }[]; stepsCompleted: number };
    expect(info.status).toBe("completed");
    expect(info.stepsCompleted).toBe(300);
    expect(info.resumes).toHaveLength(1);
    expect(info.resumes[0]!.fromStep).toBeGreaterThanOrEqual(checkpointSeen);
    const steps = readFileSync(path.join(victimDir, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => (JSON.parse(line) as { step: number }).step);
    expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => (i + 1) * 10));
    const resumedBy = [...workerLogs.entries()].filter(([child]) => child !== first).map(([, text]) => text).join("");
    expect(resumedBy).toContain(`${victim}: finished (resumed from step ${info.resumes[0]!.fromStep}`);

    const status = await run("sweep", "status", id, "--queue", redis.url);
    expect(status.stdout).toContain(`sweep ${id} (sweep of ${file}, 300 steps per run): 6 runs: 6 completed; 100% of all steps\n`);
    expect(status.stdout).toContain(`resumed from step ${info.resumes[0]!.fromStep})`);
    const collected = await run("sweep", "collect", id, "--queue", redis.url, "--artifacts", artifacts);
    expect(collected.code).toBe(0);
    expect(collected.stdout).toBe(sweep.stdout);

    // The same sweep again: the same id and jobs, nothing trained again.
    const again = await run(...sweepArgs);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`sweep ${id} on ${redis.url}: 0 queued, 6 finished before\n`);
    expect(again.stdout).toBe(sweep.stdout);
    expect(third.exitCode).toBeNull();

    // gan ablate --queue: its variants on the same workers, its table as a local ablation writes it.
    const out = path.join(dir, "ablation");
    const ablation = await run("ablate", file, "--seeds", "1", "--steps", "20", "--queue", redis.url, "--out", out);
    expect(ablation.code, ablation.stderr).toBe(0);
    expect(ablation.stderr).toContain(`ablation of ${file}: 3 variants x 1 seeds = 3 runs of 20 steps, on the queue's workers, results in ${out}\n`);
    expect(ablation.stdout).toMatch(/^\| variant \| runs \| modes captured \| high quality % \| reverse KL \|\n\|---\|---\|--:\|--:\|--:\|\n\| as written \| 1 \| /);
    expect(ablation.stdout).toContain("| without @gan/leaky-relu | 1 |");
    expect(ablation.stdout).toContain("| without @gan/label-smoothing | 1 |");
    const ablationRecord = JSON.parse(readFileSync(path.join(out, "ablation.json"), "utf8")) as { complete: boolean; runs: { runId: string; runDir: string }[] };
    expect(ablationRecord.complete).toBe(true);
    for (const result of ablationRecord.runs) expect(existsSync(path.join(artifacts, result.runDir, "eval.json"))).toBe(true);
    // A ceiling for a machine shared with other work: the test took 201 s on 2 cores at a load average of 15 to 26.
  }, 480_000);
});
