/**
 * What a worker accepts from the queue (accept-job.ts), without Redis. The same checks on a
 * real queue, and the fuzz test of job payloads: rejected-jobs.test.ts.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { planHash } from "@gan/plan";
import { acceptJob, UnreadableJobData, type WorkerTrust } from "./accept-job.js";
import { validJob } from "./test-jobs.js";

const scratch = mkdtempSync(path.join(os.tmpdir(), "gan-accept-job-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const project = path.join(scratch, "project");
const elsewhere = path.join(scratch, "elsewhere");
mkdirSync(path.join(project, "specs"), { recursive: true });
mkdirSync(elsewhere, { recursive: true });
const artifacts = path.join(project, "artifacts");
const trust: WorkerTrust = { artifacts, trickRoots: [project], fallbackTricksFrom: project };

const reasonFor = (data: unknown, with_: Partial<WorkerTrust> = {}) => {
  const result = acceptJob(data, { ...trust, ...with_ });
  return result.ok ? "accepted" : result.reason;
};

describe("acceptJob", () => {
  test("a job as gan sweep submits it is accepted, its files under --artifacts, its tricks from the spec's directory", () => {
    const job = validJob(path.join(project, "specs"));
    const result = acceptJob(job, trust);
    expect(result).toEqual({
      ok: true,
      data: job,
      paths: {
        root: path.join(artifacts, "runs", job.runId),
        plan: path.join(artifacts, "plans", `${job.runId}.json`),
        log: path.join(artifacts, "logs", `${job.runId}.log`),
      },
      tricksFrom: path.join(project, "specs"),
    });
  });

  test("run ids are one plain path segment", () => {
    const job = validJob(project);
    expect(reasonFor({ ...job, runId: "../../victim" })).toBe(
      `runId "../../victim": not a run id (letters, digits, '.', '_' and '-', starting with a letter or a digit, at most 200 characters)`,
    );
    for (const runId of ["..", ".", "", "a/b", "/abs", "..\\x", ".hidden", "-flag", "a\0b", "x".repeat(201)]) {
      expect(reasonFor({ ...job, runId })).toMatch(/^runId ".*("|\.\.\.): not a run id \(/);
    }
  });

  test("wrong types, missing fields, data that is no object, unreadable JSON: each named", () => {
    const job = validJob(project);
    expect(reasonFor({ ...job, seed: "1" })).toBe('seed "1": Invalid input: expected number, received string');
    expect(reasonFor({ ...job, seed: 1.5, label: "a\x1b[2Jb" })).toBe('label "a\\u001b[2Jb": holds control characters; seed 1.5: Invalid input: expected int, received number');
    const { tricksFrom: _, ...withoutTricksFrom } = job;
    expect(reasonFor(withoutTricksFrom)).toBe("tricksFrom is missing");
    expect(reasonFor({ ...job, tricksFrom: "relative/dir" })).toBe('tricksFrom "relative/dir": not an absolute path');
    expect(reasonFor([1, 2])).toBe("its data is [1,2], not an object with the fields of a run");
    expect(reasonFor(new UnreadableJobData("its data is not JSON (Unexpected token)"))).toBe("its data is not JSON (Unexpected token)");
  });

  test("the plan must be valid and be the one its hash names", () => {
    const job = validJob(project);
    expect(reasonFor({ ...job, planHash: "0".repeat(64) })).toBe(`planHash ${"0".repeat(64)} is not the hash of its plan`);
    const plan = { ...job.plan, latent: { size: -1 } };
    expect(reasonFor({ ...job, plan, planHash: planHash(plan) })).toMatch(/^its plan is not valid: latent\.size: /);
  });

  test("tricks come from the worker's project, an allowed directory, or --tricks-from; never from elsewhere", () => {
    const outside = validJob(elsewhere);
    expect(reasonFor(outside)).toBe(
      `tricksFrom ${JSON.stringify(elsewhere)} is outside the directories this worker loads tricks from (${project}): ` +
        "a worker runs only the tricks of its own project; its operator can add that directory with gan worker --allow-tricks-from DIR",
    );
    expect(acceptJob(outside, { ...trust, trickRoots: [project, elsewhere] })).toMatchObject({ ok: true, tricksFrom: elsewhere });
    expect(acceptJob(outside, { ...trust, tricksFrom: project })).toMatchObject({ ok: true, tricksFrom: project });
    // A directory of the submitter's machine that does not exist here: the worker's own.
    expect(acceptJob(validJob("/no/such/directory"), trust)).toMatchObject({ ok: true, tricksFrom: project });
    // A link inside the project that leads elsewhere is where it leads.
    symlinkSync(elsewhere, path.join(project, "specs", "link"));
    expect(reasonFor(validJob(path.join(project, "specs", "link")))).toMatch(/^tricksFrom ".*link" is outside the directories this worker loads tricks from/);
  });

  test("a symbolic link planted under --artifacts cannot lead a run's files elsewhere", () => {
    const job = validJob(project);
    mkdirSync(path.join(artifacts, "runs"), { recursive: true });
    symlinkSync(elsewhere, path.join(artifacts, "runs", job.runId));
    expect(reasonFor(job)).toBe(`runs/${job.runId} leads outside the artifacts directory ${artifacts} (a symbolic link?)`);
  });
});
