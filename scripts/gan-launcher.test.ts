/**
 * `pnpm gan` (scripts/gan.mjs): pnpm runs a root script at the repository root, but the paths
 * on the command line are relative to the folder the user typed it in (INIT_CWD), and so is
 * the run directory. Run through the real pnpm, from a folder inside the clone, as a user does.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, expect, test } from "vitest";
import { tinyRingSpec, tinyTraining } from "@gan/core/testing";
import { ROOT, pnpmCommand } from "./workspace.mjs";

const SPEC = tinyRingSpec(tinyTraining({ steps: 2, batch: 8, seed: 1 }));

const cache = join(ROOT, "node_modules", ".cache");
mkdirSync(cache, { recursive: true });
// A folder of the user's inside the clone, with no package.json: pnpm finds the root's.
const mine = mkdtempSync(join(cache, "gan-launcher-mine-"));
writeFileSync(join(mine, "m.gan"), SPEC);
afterAll(() => rmSync(mine, { recursive: true, force: true }));

/** `pnpm gan ARGS` typed in `cwd`, with an environment free of the test runner's pnpm variables. */
function pnpmGan(args: string[], cwd: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm_|pnpm_|INIT_CWD$|VITEST|NODE_OPTIONS$)/i.test(key)));
  const [pnpm, ...pnpmArgs] = pnpmCommand();
  const result = spawnSync(pnpm!, [...pnpmArgs, "--silent", "gan", ...args], { cwd, env, encoding: "utf8", timeout: 5 * 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("`cd mine && pnpm gan check m.gan` reads mine/m.gan; a missing file is named as typed", () => {
  const checked = pnpmGan(["check", "m.gan"], mine);
  expect(checked.stdout, checked.stderr).toBe("m.gan: ok\n");
  expect(checked.code).toBe(0);

  const missing = pnpmGan(["check", "nope.gan"], mine);
  expect(missing.stderr).toContain("gan: nope.gan: no such file");
  expect(missing.code).toBe(1);
}, 10 * 60_000);

test("`cd mine && pnpm gan train m.gan` writes its run under mine/runs, not the repository's", () => {
  const trained = pnpmGan(["train", "m.gan", "--backend", "cpu"], mine);
  expect(trained.code, trained.stderr).toBe(0);
  const runs = join(mine, "runs", "tiny");
  expect(existsSync(runs), `no ${relative(ROOT, runs)}:\n${trained.stderr}`).toBe(true);
  const [runDir] = readdirSync(runs);
  expect(`${trained.stdout}${trained.stderr}`).toContain(`run directory: ${join("runs", "tiny", runDir!)}`);
}, 10 * 60_000);
