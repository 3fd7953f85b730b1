/**
 * Jobs pushed into Redis by hand, against a real redis-server (one for the file, see
 * test-redis.ts): a worker checks each before doing anything for it (accept-job.ts), and a job
 * that fails the check goes to failed with its reason, once, touching no file and starting no
 * process. Skipped, saying so, where redis-server is not installed; CI installs it.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { printable } from "@gan/dsl";
import { planHash } from "@gan/plan";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { HandQueue, validJob, type Payload } from "./test-jobs.js";
import { redisServerInstalled, startRedis, type TestRedis } from "./test-redis.js";
import { startWorker, type RunningWorker } from "./worker-loop.js";

// The worker's project is the repository (its working directory is packages/cli); the spec's
// directory of a valid job is the repository's ignored tmp/, as in queue.test.ts.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
mkdirSync(path.join(repoRoot, "tmp"), { recursive: true });
const specDir = mkdtempSync(path.join(repoRoot, "tmp", "gan-rejected-jobs-"));
// Outside the project: the artifacts, what a hostile job aims at, and a directory of tricks.
const scratch = realpathSync(mkdtempSync(path.join(os.tmpdir(), "gan-rejected-jobs-")));
const artifacts = path.join(scratch, "shared", "artifacts");
// runs/../../victim from the artifacts directory.
const victim = path.join(scratch, "shared", "victim");
const evilProject = path.join(scratch, "some", "dir");
/** Written by the stand-in for `gan` and by the hostile trick: neither may ever run. */
const ran = path.join(os.tmpdir(), `gan-rejected-jobs-ran-${process.pid}`);
afterAll(() => {
  rmSync(specDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
  rmSync(ran, { force: true });
});

mkdirSync(victim, { recursive: true });
writeFileSync(path.join(victim, "precious.txt"), "keep me\n");
mkdirSync(path.join(evilProject, "node_modules", "evil-trick"), { recursive: true });
writeFileSync(
  path.join(evilProject, "node_modules", "evil-trick", "package.json"),
  JSON.stringify({ name: "evil-trick", version: "1.0.0", type: "module", keywords: ["gan-trick"], peerDependencies: { "@gan/core": "*" }, main: "index.js" }),
);
writeFileSync(path.join(evilProject, "node_modules", "evil-trick", "index.js"), `import { appendFileSync } from "node:fs"; appendFileSync(${JSON.stringify(ran)}, "evil-trick\\n");\n`);

/** Every path under `dir` with its type and size: what "nothing was touched" compares. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .sort()
    .map((entry) => {
      const stat = lstatSync(path.join(dir, entry));
      return `${entry} ${stat.isDirectory() ? "dir" : stat.isSymbolicLink() ? "link" : stat.size}`;
    });
}

const installed = redisServerInstalled();
if (!installed) console.warn("redis-server is not installed: the tests of jobs pushed by hand are skipped (apt-get install redis-server)");

describe.skipIf(!installed)("jobs pushed into the queue by hand (skipped without redis-server: apt-get install redis-server)", () => {
  let redis: TestRedis;
  let worker: RunningWorker;
  let queue: HandQueue;
  const log: string[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    // A stand-in for `gan` that only says it was started: no rejected job may start it.
    const gan = [process.execPath, "-e", `require("node:fs").appendFileSync(${JSON.stringify(ran)}, "gan " + process.argv.slice(1).join(" ") + "\\n")`];
    worker = await startWorker({ url: redis.url, concurrency: 2, artifacts, stallSeconds: 5, log: (line) => log.push(line), gan });
    queue = new HandQueue(redis.url);
  });
  afterAll(async () => {
    await queue?.close();
    worker?.stop();
    await worker?.closed;
    await redis?.stop();
  });

  async function rejected(id: string, payload: Payload) {
    await queue.push(id, payload);
    const settled = await queue.settled(id, 20_000);
    expect(settled, `job ${id} did not fail within 20 s; worker log:\n${log.join("\n")}`).toBeDefined();
    expect(settled!.state).toBe("failed");
    // Failed once: not retried although the job allows two attempts.
    expect(settled!.attemptsMade).toBe(1);
    expect(settled!.failedReason).toMatch(/^rejected by worker \S+: ./);
    expect(log.filter((line) => line.startsWith(`job ${printable(id)}: rejected: `))).toHaveLength(1);
    return settled!.failedReason.replace(/^rejected by worker \S+: /, "");
  }

  test("a runId that climbs out of --artifacts, tricks from another directory, data that is not JSON: each failed once with its reason", async () => {
    const before = tree(scratch);
    const job = validJob(specDir);

    expect(await rejected("climb", { data: { ...job, runId: "../../victim" } })).toBe(
      `runId "../../victim": not a run id (letters, digits, '.', '_' and '-', starting with a letter or a digit, at most 200 characters)`,
    );
    // A plan that uses a trick installed in that other directory: its code must not run.
    const evilPlan = { ...job.plan, tricks: [{ package: "evil-trick", version: "1.0.0", options: {}, window: {} }] };
    expect(await rejected("elsewhere", { data: { ...job, tricksFrom: evilProject, plan: evilPlan, planHash: planHash(evilPlan) } })).toBe(
      `tricksFrom ${JSON.stringify(evilProject)} is outside the directories this worker loads tricks from (${repoRoot}): ` +
        "a worker runs only the tricks of its own project; its operator can add that directory with gan worker --allow-tricks-from DIR",
    );
    expect(await rejected("not-json", { raw: "{ this is not JSON" })).toMatch(/^its data is not JSON \(/);
    // An id with an escape sequence in it is logged escaped.
    await rejected("\x1b]0;title\x07", { data: { ...job, seed: -1 } });
    expect(log).toContain("job \\x1b]0;title\\x07: rejected: seed -1: Too small: expected number to be >=0");
    expect(log.some((line) => line.startsWith("Redis at "))).toBe(false);

    expect(tree(scratch)).toEqual(before);
    expect(readFileSync(path.join(victim, "precious.txt"), "utf8")).toBe("keep me\n");
    expect(existsSync(ran)).toBe(false);
  }, 60_000);

  test("fuzz: malformed JSON, wrong types, hostile paths: every job ends failed with a reason, and nothing is written anywhere", async () => {
    const job = validJob(specDir);
    const hostilePath = fc.oneof(
      fc.constantFrom("../../victim", "..", ".", "", "/tmp/victim", "a/../../victim", "runs/../../x", "..\\..\\victim", ".hidden", "-rf", "a\0b", "\x1b]0;title\x07", `${victim}/x`),
      fc.string({ unit: "binary" }).filter((text) => !/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/.test(text)),
    );
    const notAString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }));
    const notASeed = fc.oneof(fc.string(), fc.double({ noInteger: true }), fc.integer({ max: -1 }), fc.constant(null), fc.boolean());
    type Job = Record<string, unknown>;
    const mutation: fc.Arbitrary<(data: Job) => void> = fc.oneof(
      hostilePath.map((runId) => (data: Job) => void (data.runId = runId)),
      hostilePath.map((variant) => (data: Job) => void (data.variant = variant)),
      fc.constantFrom("runId", "variant", "label", "planHash", "tricksFrom").chain((key) => notAString.map((value) => (data: Job) => void (data[key] = value))),
      notASeed.map((seed) => (data: Job) => void (data.seed = seed)),
      fc.constantFrom("runId", "variant", "label", "seed", "planHash", "plan", "tricksFrom").map((key) => (data: Job) => void delete data[key]),
      fc.constantFrom(evilProject, "relative/dir", "node_modules", "/dev/null\0x", victim).map((dir) => (data: Job) => void (data.tricksFrom = dir)),
      fc.jsonValue().map((plan) => (data: Job) => void (data.plan = plan)),
      fc.stringMatching(/^[0-9a-f]{64}$/).map((hash) => (data: Job) => void (data.planHash = hash)),
      fc.string({ minLength: 1 }).map((text) => (data: Job) => void (data.label = `${text}\x1b[2J`)),
    );
    const payload: fc.Arbitrary<Payload> = fc.oneof(
      fc.array(mutation, { minLength: 1, maxLength: 3 }).map((mutations) => {
        const data: Job = structuredClone(job) as unknown as Job;
        for (const mutate of mutations) mutate(data);
        return { data };
      }),
      fc.string().filter((text) => {
        try {
          JSON.parse(text);
          return false;
        } catch {
          return true;
        }
      }).map((raw) => ({ raw })),
      fc.oneof(fc.jsonValue(), fc.constantFrom("[1,2]", "null", "42", '"text"')).filter((value) => typeof value !== "object" || value === null || Array.isArray(value)).map((data) => ({ data })),
    );
    const before = tree(scratch);
    let count = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (pushed) => {
        const reason = await rejected(`fuzz-${++count}`, pushed);
        expect(reason.length).toBeGreaterThan(0);
        expect(tree(scratch)).toEqual(before);
      }),
      { seed: 16, numRuns: 60 },
    );
    expect(existsSync(ran)).toBe(false);
    expect(readFileSync(path.join(victim, "precious.txt"), "utf8")).toBe("keep me\n");
  }, 120_000);
});
