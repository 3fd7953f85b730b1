/**
 * `gan sweep status` and `gan sweep collect` read what anyone with access to the Redis can
 * write: a sweep's definition and the jobs under its run ids. Against a real redis-server (one
 * for the file, see test-redis.ts): a job that is not the run's is a bad entry with its reason,
 * a definition that fails its schema is one line naming the sweep, exit 1; neither crashes.
 * Skipped, saying so, where redis-server is not installed; CI installs it.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RunSpec } from "../experiment/expand.js";
import { captureOutput } from "../io.js";
import { main } from "../main.js";
import { connectRedis, sweepKey } from "./connection.js";
import { defineSweep } from "./definition.js";
import { SweepQueue } from "./sweep-queue.js";
import { HandQueue, validJob } from "./test-jobs.js";
import { redisServerInstalled, startRedis, type TestRedis } from "./test-redis.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
mkdirSync(path.join(repoRoot, "tmp"), { recursive: true });
const specDir = mkdtempSync(path.join(repoRoot, "tmp", "gan-sweep-bad-entries-"));
afterAll(() => rmSync(specDir, { recursive: true, force: true }));

async function gan(...argv: string[]) {
  const { result, stdout, stderr } = await captureOutput(() => main(argv));
  return { code: result, stdout, stderr };
}

const installed = redisServerInstalled();
if (!installed) console.warn("redis-server is not installed: the tests of sweeps with bad entries are skipped (apt-get install redis-server)");

describe.skipIf(!installed)("a sweep whose jobs or definition were written by hand (skipped without redis-server: apt-get install redis-server)", () => {
  let redis: TestRedis;
  let queue: HandQueue;
  beforeAll(async () => {
    redis = await startRedis();
    queue = new HandQueue(redis.url);
  });
  afterAll(async () => {
    await queue?.close();
    await redis?.stop();
  });

  const job = validJob(specDir);
  const runs = ["fine", "not-json", "wrong-shape", "other-run", "bad-result"].map((runId) => ({ ...job, runId, change: { kind: "as-written" } }) as unknown as RunSpec);
  const definition = defineSweep({ kind: "sweep", name: "bad", spec: "bad.gan", command: "gan sweep bad.gan", seeds: [1], runs });

  test("a job under a run's id whose data is not JSON, of the wrong shape or another run's, or whose result is not a run's: a bad entry with its reason", async () => {
    const sweeps = await SweepQueue.open(redis.url);
    await sweeps.storeDefinition(definition);
    await sweeps.close();
    await queue.push("fine", { data: { ...job, runId: "fine" } });
    await queue.push("not-json", { raw: "{ this is not JSON" });
    await queue.push("wrong-shape", { data: { runId: 5, seed: "one" } });
    await queue.push("other-run", { data: { ...job, runId: "someone-else" } });
    // Completed by hand, with a result whose metrics are not numbers and whose worker would retitle the terminal.
    await queue.push("bad-result", { data: { ...job, runId: "bad-result" } });
    const client = await connectRedis(redis.url);
    try {
      const result = { runId: "bad-result", variant: job.variant, label: job.label, seed: 1, metrics: { modes: "all" }, runDir: "runs/x", artifacts: "/a", worker: "\x1b]0;owned\x07", seconds: 1 };
      await client.lrem("gan:runs:wait", 0, "bad-result");
      await client.zadd("gan:runs:completed", Date.now(), "bad-result");
      await client.hset("gan:runs:bad-result", { returnvalue: JSON.stringify(result), finishedOn: String(Date.now()) });
    } finally {
      client.disconnect();
    }

    const status = await gan("sweep", "status", definition.id, "--queue", redis.url);
    expect(status.stderr).toBe("");
    expect(status.code).toBe(0);
    const lines = status.stdout.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^sweep ${definition.id} .*: 5 runs: 4 bad, 1 waiting; 80% of all steps$`));
    expect(lines.find((line) => line.includes("fine "))).toMatch(/fine\s+as written, seed 1: waiting$/);
    expect(lines.find((line) => line.includes("not-json "))).toMatch(/: bad: the job under its id is not this run's: its data is not JSON \(.+\)$/);
    expect(lines.find((line) => line.includes("wrong-shape "))).toMatch(
      /: bad: the job under its id is not this run's: runId 5: Invalid input: expected string, received number; variant is missing; .*seed "one": Invalid input: expected number, received string; /,
    );
    expect(lines.find((line) => line.includes("other-run "))).toMatch(/: bad: the job under its id is not this run's: it names run someone-else$/);
    expect(lines.find((line) => line.includes("bad-result "))).toBe(
      `  bad-result   as written, seed 1: bad: the result of the job under its id is not this run's: metrics.modes "all": Invalid input: expected number, received string; worker "\\u001b]0;owned\\u0007": holds control characters`,
    );

    // Not complete (one run waits), said as for any sweep: no crash on the bad ones.
    const collect = await gan("sweep", "collect", definition.id, "--queue", redis.url);
    expect(collect).toEqual({ code: 1, stdout: "", stderr: `gan: sweep ${definition.id} is not complete: 4 of 5 runs finished, 0 running, 1 waiting (gan sweep status ${definition.id} --queue ${redis.url})\n` });
  }, 60_000);

  test("a stored definition that is not JSON or fails its schema: one line naming the sweep and what is wrong, exit 1", async () => {
    const client = await connectRedis(redis.url);
    const where = `on the queue at ${redis.url}: its stored definition is not valid`;
    try {
      await client.set(sweepKey("hand-0000000000"), "{ not JSON");
      const notJson = await gan("sweep", "status", "hand-0000000000", "--queue", redis.url);
      expect(notJson.code).toBe(1);
      expect(notJson.stderr).toMatch(new RegExp(`^gan: sweep hand-0000000000 ${where}: it is not JSON \\(.+\\)\\n$`));

      const wrong = { ...definition, id: "hand-0000000001", runs: [{ ...definition.runs[0], runId: "../../victim" }], steps: "many" };
      await client.set(sweepKey("hand-0000000001"), JSON.stringify(wrong));
      expect(await gan("sweep", "collect", "hand-0000000001", "--queue", redis.url)).toEqual({
        code: 1,
        stdout: "",
        stderr:
          `gan: sweep hand-0000000001 ${where}: steps "many": Invalid input: expected number, received string; ` +
          `runs.0.runId "../../victim": not a run id (letters, digits, '.', '_' and '-', starting with a letter or a digit, at most 200 characters)\n`,
      });

      await client.set(sweepKey("hand-0000000002"), JSON.stringify(definition));
      expect((await gan("sweep", "status", "hand-0000000002", "--queue", redis.url)).stderr).toBe(
        `gan: sweep hand-0000000002 ${where}: it is the definition of sweep "${definition.id}"\n`,
      );
    } finally {
      client.disconnect();
    }
  }, 60_000);
});
