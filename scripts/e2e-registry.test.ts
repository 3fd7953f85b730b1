/**
 * Runs scripts/e2e-registry.mjs (see its header): the workspace is built, released to a local
 * Verdaccio through changesets, installed from it into a project outside the workspace, trained,
 * and one trick is patched and upgraded alone. The script checks every step and exits 1 with the
 * step that failed; this test adds the facts a reader wants to see asserted from its summary.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { ROOT } from "./workspace.mjs";

interface Summary {
  registry: string;
  published: Record<string, string>;
  installed: Record<string, string>;
  compile: { tricks: Record<string, string> };
  train: { steps: number; metrics: string[]; versions: Record<string, string> };
  eval: { ran: boolean; reason?: string };
  patch: { package: string; from: string; to: string; lockfileEntriesChanged: string[]; lockfileEntriesUnchanged: number; planTricksAfter: Record<string, string> };
  scaffold: { package: string; peerRange: string; coreInstalled: string; testsPassed: number };
  tarballs: {
    tarballs: string[];
    installed: Record<string, string>;
    cliDependencies: Record<string, string>;
    compile: { tricks: Record<string, string> };
    train: { steps: number; metrics: string[] };
    eval: { ran: boolean };
  };
  timings: Record<string, number>;
  totalSeconds: number;
}

const TIMEOUT_MS = 25 * 60_000;
const outDir = mkdtempSync(join(tmpdir(), "gan-e2e-summary-"));
let child: ReturnType<typeof spawn> | undefined;

afterAll(() => {
  // If the test timed out, the script is still running: SIGTERM makes it stop its registry and clean up.
  if (child && child.exitCode === null) child.kill("SIGTERM");
  rmSync(outDir, { recursive: true, force: true });
});

test(
  "pnpm gan:pack's tarballs and the workspace published to a local registry each install and train outside the workspace; a trick patch upgrades alone",
  async () => {
    const summaryPath = join(outDir, "summary.json");
    let output = "";
    const code = await new Promise<number | null>((resolve, reject) => {
      child = spawn(process.execPath, [join(ROOT, "scripts", "e2e-registry.mjs"), "--summary", summaryPath], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk;
        process.stdout.write(chunk);
      });
      child.stderr!.on("data", (chunk: Buffer) => (output += chunk));
      child.on("error", reject);
      child.on("close", resolve);
    });
    expect(code, output.split("\n").slice(-80).join("\n")).toBe(0);

    const summary = JSON.parse(readFileSync(summaryPath, "utf8")) as Summary;
    expect(summary.registry).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const name of ["@gan/core", "@gan/cli", "@gan/dsl", "@gan/plan", "@gan/metrics", "@gan/gp", "@gan/label-smoothing", "gan-trick-consistency"]) {
      expect(summary.published[name], name).toMatch(/^\d+\.\d+\.\d+$/);
    }
    for (const [name, version] of Object.entries(summary.installed)) expect(version, name).toBe(summary.published[name]);
    expect(Object.keys(summary.compile.tricks).sort()).toEqual(["@gan/gp", "@gan/label-smoothing", "gan-trick-consistency"]);
    expect(summary.train.steps).toBe(20);
    expect(summary.train.metrics).toEqual(expect.arrayContaining(["gp/penalty", "label-smoothing/real", "consistency/real", "consistency/fake"]));
    expect(summary.train.versions["gan-trick-consistency"]).toBe(summary.published["gan-trick-consistency"]);

    const { patch } = summary;
    expect(patch.package).toBe("@gan/label-smoothing");
    const [major, minor, micro] = patch.from.split(".").map(Number);
    expect(patch.to).toBe(`${major}.${minor}.${micro! + 1}`);
    expect(patch.lockfileEntriesChanged).toEqual(["node_modules/@gan/label-smoothing"]);
    expect(patch.lockfileEntriesUnchanged).toBeGreaterThan(50);
    expect(patch.planTricksAfter).toEqual({ ...summary.compile.tricks, "@gan/label-smoothing": patch.to });
    // `gan new trick`, outside the workspace: built and tested against the @gan/core from the registry.
    expect(summary.scaffold).toEqual({ package: "gan-trick-drift", peerRange: `^${summary.published["@gan/core"]}`, coreInstalled: summary.published["@gan/core"], testsPassed: 3 });
    // `pnpm gan:pack`'s tarballs, installed with plain npm outside the workspace: compile, train 20 steps with tricks, eval.
    const { tarballs } = summary;
    expect(tarballs.tarballs.sort()).toEqual(
      ["gan-backend-wasm", "gan-cli", "gan-core", "gan-dsl", "gan-gp", "gan-label-smoothing", "gan-metrics", "gan-plan", "gan-trick-consistency"].map((base) => expect.stringMatching(new RegExp(`^${base}-\\d+\\.\\d+\\.\\d+\\.tgz$`))),
    );
    expect(tarballs.cliDependencies["@gan/core"]).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(Object.keys(tarballs.compile.tricks).sort()).toEqual(["@gan/gp", "@gan/label-smoothing", "gan-trick-consistency"]);
    expect(tarballs.train.steps).toBe(20);
    expect(tarballs.train.metrics).toEqual(expect.arrayContaining(["gp/penalty", "label-smoothing/real", "consistency/real"]));
    expect(tarballs.eval.ran).toBe(true);
    console.log(`e2e-registry: ${summary.totalSeconds} s; steps: ${JSON.stringify(summary.timings)}; eval: ${summary.eval.ran ? "ran" : `skipped (${summary.eval.reason})`}`);
  },
  TIMEOUT_MS,
);
