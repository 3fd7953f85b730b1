#!/usr/bin/env node
// The registry test: publish this workspace to a real npm registry and use it as a stranger would.
//
//  1. `pnpm build` in the workspace (turbo; cached when nothing changed).
//     Then the way to use gan before the packages are on npm: `pnpm gan:pack` (scripts/pack.mjs)
//     packs @gan/cli, the consumer's tricks and the @gan packages they need as tarballs; a fresh
//     folder outside the workspace installs them with plain npm (third-party packages from the
//     registry this machine's npm uses) and runs the compile, train and eval of step 4.
//  2. Copy the workspace (the files git would see, plus each package's dist/) to a temporary
//     folder and release it there, so that versioning never touches the real tree:
//     `changeset version` then `changeset publish`, the release path of `pnpm release`
//     (its `pnpm test` step is left out: this script runs inside that step).
//  3. Verdaccio runs in this process, on 127.0.0.1 with a port the system picks, a temporary
//     storage and a temporary config; it stops when this script ends, also on failure or on
//     SIGINT/SIGTERM. Being in-process, it cannot outlive us even if we are killed.
//  4. In a fresh folder outside the workspace: `npm init -y`, install @gan/cli, @gan/gp,
//     @gan/label-smoothing and the third-party trick, copy examples/consumer/ring.gan, then
//     `npx gan compile`, `npx gan train --steps 20`, and `npx gan eval` when the installed
//     @gan/cli has it.
//  5. Release a patch of one trick alone (a changeset, `changeset version`, `changeset
//     publish`), `npm update` it in the consumer, and check that nothing else moved: every
//     other entry of the consumer's package-lock.json is byte-for-byte what it was.
//  6. `npx gan new trick gan-trick-drift` in the consumer, then `npm install`, `npm run build`
//     and `npm test` in the package it wrote: the scaffold works against the published @gan/core.
//
// "From that registry only": the consumer's npm knows one registry, Verdaccio (project .npmrc,
// and an empty user config so that ~/.npmrc cannot add another). Our packages (every
// publishable workspace package by its exact name, and all of @gan/*) have no uplink in
// Verdaccio: they can only be what this run published, never a copy from npmjs. Every other
// package (@tensorflow/*, zod, ...) is proxied from the registry this machine's npm already
// uses, because the consumer genuinely needs them and re-publishing TensorFlow.js locally would
// prove nothing. So our side of the test is loopback only; the proxied third-party packages
// are what any install downloads. The check after installing asserts that every package in the
// consumer's lockfile was resolved from http://127.0.0.1:<port>/.
//
// Publishing cannot escape either: changesets takes the registry from npm_config_registry
// (set to Verdaccio for every command here) and the only auth token any command can see is
// the throwaway one Verdaccio issued to a user this script created.
//
// Usage: node scripts/e2e-registry.mjs [--skip-build] [--keep] [--summary FILE] [--patch PACKAGE]
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { PNPM_VERSION, ROOT, workspacePackages } from "./workspace.mjs";

const { values: flags } = parseArgs({
  options: {
    "skip-build": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    summary: { type: "string" },
    patch: { type: "string", default: "@gan/label-smoothing" },
  },
});

const THIRD_PARTY_TRICK = "gan-trick-consistency";
const CONSUMER_PACKAGES = ["@gan/cli", "@gan/gp", "@gan/label-smoothing", THIRD_PARTY_TRICK];
const TRAIN_STEPS = 20;

const started = Date.now();
const timings = {};
const log = (message) => console.log(`[e2e-registry ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}`);

class StepError extends Error {}
function check(condition, message) {
  if (!condition) throw new StepError(message);
}

async function step(name, body) {
  log(`${name} ...`);
  const begin = Date.now();
  try {
    return await body();
  } finally {
    timings[name] = Math.round((Date.now() - begin) / 100) / 10;
    log(`${name}: ${timings[name]} s`);
  }
}

/** Commands running now: a signal stops them before the temporary folder goes. */
const running = new Set();

/** Runs a command without blocking the event loop (Verdaccio answers from this process meanwhile). */
function exec(command, args, { cwd, env, timeoutMs = 10 * 60_000, allowFailure = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    running.add(child);
    child.on("exit", () => running.delete(child));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new StepError(`${command}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr };
      if (code === 0 || allowFailure) return resolve(result);
      const output = `${stdout}\n${stderr}`.trim().split("\n").slice(-60).join("\n");
      const where = cwd ? ` (in ${cwd})` : "";
      reject(new StepError(`${[command, ...args].join(" ")}${where} failed with ${signal ?? `exit ${code}`}:\n${output}`));
    });
  });
}

/**
 * The environment of every command: the parent's, minus what would change how they behave
 * (vitest's VITEST makes @gan/core load TypeScript sources; pnpm and npm run scripts export
 * npm_config_* and npm_package_*; NODE_OPTIONS may carry --conditions=@gan/source).
 */
function cleanEnvironment(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|VITEST|TURBO_(?!TELEMETRY)|NODE_OPTIONS$|NODE_ENV$|INIT_CWD$|TSX_)/i.test(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

// --- the workspace copy ---------------------------------------------------------------

async function listWorkspaceFiles(env) {
  const { stdout } = await exec("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, env });
  return stdout.split("\0").filter((file) => file && existsSync(join(ROOT, file)));
}

/** The tree as git sees it (committed and new files, not ignored ones) plus every dist/. */
async function copyWorkspace(target, env) {
  for (const file of await listWorkspaceFiles(env)) {
    const source = join(ROOT, file);
    const destination = join(target, file);
    mkdirSync(dirname(destination), { recursive: true });
    const stat = lstatSync(source);
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(source), destination);
    else if (stat.isFile()) copyFileSync(source, destination);
  }
  for (const pkg of workspacePackages()) {
    const dist = join(pkg.dir, "dist");
    check(existsSync(dist), `${pkg.relativeDir}/dist is missing after the build`);
    cpSync(dist, join(target, pkg.relativeDir, "dist"), { recursive: true });
  }
}

// --- the registry ---------------------------------------------------------------------

/**
 * Where this machine's npm gets packages, and through which proxy: Verdaccio's uplink must go
 * the same way (it reads proxies from its config only, not from the environment). The CA
 * certificates of an intercepting proxy reach it through NODE_EXTRA_CA_CERTS, which Node reads
 * at start; examples/consumer/turbo.json lets these variables through turbo's strict env mode.
 */
async function hostNpmNetwork(env) {
  const { stdout } = await exec("npm", ["config", "get", "registry", "https-proxy", "proxy", "noproxy"], { env });
  const config = Object.fromEntries(stdout.trim().split("\n").map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1).trim()]));
  const value = (...candidates) => candidates.find((candidate) => candidate && candidate !== "null" && candidate !== "undefined");
  return {
    registry: value(config.registry) ?? "https://registry.npmjs.org/",
    httpsProxy: value(config["https-proxy"], process.env.HTTPS_PROXY, process.env.https_proxy),
    httpProxy: value(config.proxy, process.env.HTTP_PROXY, process.env.http_proxy),
    noProxy: value(config.noproxy, process.env.NO_PROXY, process.env.no_proxy),
  };
}

/** YAML for Verdaccio: our names are local only; everything else is proxied (see the top of this file). */
function verdaccioConfig({ storage, htpasswd, upstream, ourPackages }) {
  const local = (name) => `  '${name}':\n    access: $all\n    publish: $authenticated\n`;
  return [
    `storage: ${JSON.stringify(storage)}`,
    `plugins: ${JSON.stringify(join(storage, "..", "plugins"))}`,
    "auth:",
    "  htpasswd:",
    `    file: ${JSON.stringify(htpasswd)}`,
    "    max_users: 1",
    // JWT tokens are checked by their signature; the legacy ones cost a bcrypt check per request.
    "security:",
    "  api:",
    "    legacy: false",
    "    jwt:",
    "      sign:",
    "        expiresIn: 1d",
    "uplinks:",
    "  upstream:",
    `    url: ${JSON.stringify(upstream.registry)}`,
    ...(upstream.httpsProxy ? [`    https_proxy: ${JSON.stringify(upstream.httpsProxy)}`] : []),
    ...(upstream.httpProxy ? [`    http_proxy: ${JSON.stringify(upstream.httpProxy)}`] : []),
    ...(upstream.noProxy ? [`    no_proxy: ${JSON.stringify(upstream.noProxy)}`] : []),
    "    timeout: 120s",
    "    max_fails: 10",
    "    cache: false",
    "packages:",
    ...ourPackages.map(local),
    // Any other @gan name (say, one that exists on npmjs but not in this workspace) is a 404 here.
    local("@gan/*"),
    "  '**':",
    "    access: $all",
    "    publish: no-one-publishes-third-party-packages-here",
    "    proxy: upstream",
    "web:",
    "  enable: false",
    "max_body_size: 200mb",
    "log: { type: stdout, format: pretty, level: warn }",
    "",
  ].join("\n");
}

async function startRegistry(dir, upstream, ourPackages) {
  mkdirSync(join(dir, "storage"), { recursive: true });
  mkdirSync(join(dir, "plugins"), { recursive: true });
  const configPath = join(dir, "config.yaml");
  writeFileSync(
    configPath,
    verdaccioConfig({ storage: join(dir, "storage"), htpasswd: join(dir, "htpasswd"), upstream, ourPackages }),
  );
  const require = createRequire(join(ROOT, "package.json"));
  const { runServer } = require("verdaccio");
  const server = await runServer(configPath);
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    // Port 0: the system picks a free port, so runs never collide and nothing is guessed.
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}/`;
  const sockets = new Set();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const ping = await fetch(`${url}-/ping`);
  check(ping.ok, `Verdaccio does not answer on ${url} (-/ping: ${ping.status})`);
  // The consumer's third-party dependencies come through the uplink: say so now if it cannot work.
  const proxied = await fetch(`${url}zod`);
  check(
    proxied.ok,
    `Verdaccio cannot fetch third-party packages from ${upstream.registry} (GET zod: ${proxied.status}). ` +
      "Behind a proxy, npm's https-proxy setting or HTTPS_PROXY must name it, and NODE_EXTRA_CA_CERTS its certificate if it intercepts TLS.",
  );
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Creates the one user of the registry and returns its token (what `npm adduser` does). */
async function createUser(url) {
  const name = "gan-e2e";
  const password = randomBytes(16).toString("hex");
  const response = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, password }),
  });
  const body = await response.json().catch(() => ({}));
  check(response.ok && typeof body.token === "string", `could not create a registry user (${response.status} ${JSON.stringify(body)})`);
  return body.token;
}

async function registryVersions(url, name) {
  const response = await fetch(`${url}${name.replace("/", "%2f")}`);
  if (response.status === 404) return [];
  check(response.ok, `GET ${url}${name}: ${response.status}`);
  return Object.keys((await response.json()).versions ?? {});
}

// --- pnpm -----------------------------------------------------------------------------

/**
 * changesets runs `pnpm publish` by name, so pnpm must be on PATH. npm finds (or fetches once)
 * the pinned pnpm; a folder holding a link to it goes first on PATH.
 */
async function pnpmOnPath(binDir, env) {
  const { stdout } = await exec("npm", ["exec", "--yes", `--package=pnpm@${PNPM_VERSION}`, "--", "node", "-e", "process.stdout.write(process.env.PATH)"], { env });
  const found = stdout
    .split(":")
    .map((dir) => join(dir, "pnpm"))
    .find((candidate) => existsSync(candidate));
  check(found, `pnpm ${PNPM_VERSION} could not be found through npm exec`);
  mkdirSync(binDir, { recursive: true });
  symlinkSync(found, join(binDir, "pnpm"));
  const { stdout: version } = await exec(join(binDir, "pnpm"), ["--version"], { env });
  check(version.trim() === PNPM_VERSION, `pnpm on PATH is ${version.trim()}, expected ${PNPM_VERSION}`);
}

// --- checks on the consumer ------------------------------------------------------------

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** name -> lockfile entry, for every installed package of the consumer. */
function lockEntries(consumerDir) {
  const lock = readJson(join(consumerDir, "package-lock.json"));
  const entries = {};
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (path === "") continue;
    entries[path] = entry;
  }
  return entries;
}

function installedVersion(consumerDir, name) {
  return readJson(join(consumerDir, "node_modules", name, "package.json")).version;
}

function checkResolvedFrom(entries, registryUrl) {
  const elsewhere = Object.entries(entries).filter(([, entry]) => entry.resolved && !entry.resolved.startsWith(registryUrl) && !entry.link);
  check(
    elsewhere.length === 0,
    `packages resolved from somewhere else than ${registryUrl}: ${elsewhere
      .slice(0, 5)
      .map(([path, entry]) => `${path} (${entry.resolved})`)
      .join(", ")}`,
  );
  const unresolved = Object.entries(entries).filter(([, entry]) => !entry.resolved && !entry.link);
  check(unresolved.length === 0, `lockfile entries without a resolved URL: ${unresolved.map(([path]) => path).join(", ")}`);
}

function planTricks(planPath) {
  return Object.fromEntries(readJson(planPath).tricks.map((trick) => [trick.package, trick.version]));
}

/**
 * What a user does first in a project with gan installed: `gan compile` the consumer's spec,
 * `gan train --steps 20`, `gan eval`; checks that every trick ran with the installed version.
 * `label` names the installation in the step names.
 */
async function compileTrainEval(consumer, gan, installed, label) {
  const result = {};
  copyFileSync(join(ROOT, "examples", "consumer", "ring.gan"), join(consumer, "ring.gan"));
  await step(`npx gan compile${label}`, () => gan(["compile", "ring.gan", "-o", "plan.json"]));
  const compiled = planTricks(join(consumer, "plan.json"));
  for (const name of ["@gan/gp", "@gan/label-smoothing", THIRD_PARTY_TRICK]) {
    check(compiled[name] === installed[name], `the plan has ${name}@${compiled[name]}, but ${installed[name]} is installed`);
  }
  result.compile = { tricks: compiled };

  const trained = await step(`npx gan train --steps ${TRAIN_STEPS}${label}`, () => gan(["train", "ring.gan", "--steps", String(TRAIN_STEPS)], 15 * 60_000));
  const runDirLine = `${trained.stdout}\n${trained.stderr}`.match(/^run directory: (.+)$/m);
  check(runDirLine, `gan train did not say where its run is:\n${trained.stderr}`);
  const runDir = join(consumer, runDirLine[1].trim());
  const runInfo = readJson(join(runDir, "run.json"));
  check(runInfo.status === "completed" && runInfo.stepsCompleted === TRAIN_STEPS, `run.json: status ${runInfo.status}, ${runInfo.stepsCompleted} steps`);
  const metrics = readFileSync(join(runDir, "metrics.jsonl"), "utf8").trim().split("\n").map((line) => JSON.parse(line));
  const logged = new Set(metrics.flatMap((line) => Object.keys(line)));
  // Each trick logs under its own prefix: seeing all three proves all three ran in the loop.
  for (const key of ["gp/penalty", "label-smoothing/real", "consistency/real", "d_loss", "g_loss"]) {
    check(logged.has(key), `metrics.jsonl has no '${key}' (it has ${[...logged].join(", ")})`);
  }
  check(metrics.every((line) => Number.isFinite(line.d_loss) && Number.isFinite(line.g_loss)), "a loss in metrics.jsonl is not finite");
  result.train = { runDir: relative(consumer, runDir), steps: runInfo.stepsCompleted, backend: runInfo.backend?.name, versions: runInfo.versions, metrics: [...logged].sort() };

  const { stdout: help } = await gan(["help"]);
  if (/^\s+eval\s/m.test(help)) {
    const evaluated = await step(`npx gan eval${label}`, () => gan(["eval", relative(consumer, runDir)], 15 * 60_000));
    check(existsSync(join(runDir, "eval.json")), `gan eval wrote no eval.json in ${relative(consumer, runDir)}`);
    result.eval = { ran: true, output: `${evaluated.stdout}${evaluated.stderr}`.trim().split("\n").slice(-20).join("\n") };
  } else {
    result.eval = { ran: false, reason: `@gan/cli ${installed["@gan/cli"]} has no eval command yet` };
    log(`skipped npx gan eval: ${result.eval.reason}`);
  }
  return result;
}

/**
 * How a user gets gan today, while the @gan packages are not on the npm registry: `pnpm gan:pack`
 * (scripts/pack.mjs) in the clone, then `npm install` of its tarballs in a folder of their own,
 * with every third-party package from the registry this machine's npm uses (no Verdaccio here).
 */
async function tarballConsumer(temp, env) {
  const packed = join(temp, "packed");
  const { stdout } = await step("pnpm gan:pack", () =>
    exec(process.execPath, [join(ROOT, "scripts", "pack.mjs"), "--skip-build", "--json", "--out", packed, ...CONSUMER_PACKAGES], { cwd: ROOT, env }),
  );
  const tarballs = JSON.parse(stdout);
  const consumer = join(temp, "tarball-consumer");
  mkdirSync(consumer);
  check(relative(ROOT, consumer).startsWith(".."), "the tarball consumer folder must be outside the workspace");
  await exec("npm", ["init", "-y"], { cwd: consumer, env });
  await step("npm install the tarballs (tarball consumer)", () =>
    exec("npm", ["install", "--no-audit", "--no-fund", ...tarballs], { cwd: consumer, env, timeoutMs: 15 * 60_000 }),
  );
  // Every @gan package, and the third-party trick, from a tarball: npm looked none of them up.
  const ours = Object.entries(lockEntries(consumer)).filter(([path]) => /^node_modules\/(@gan\/[^/]+|gan-trick-consistency)$/.test(path));
  const elsewhere = ours.filter(([, entry]) => !entry.resolved?.startsWith("file:"));
  check(ours.length === tarballs.length && elsewhere.length === 0, `the tarball consumer's lockfile: ${ours.map(([path, entry]) => `${path} (${entry.resolved})`).join(", ")}; expected the ${tarballs.length} tarballs`);
  const cli = readJson(join(consumer, "node_modules", "@gan", "cli", "package.json"));
  const workspaceRanges = Object.entries(cli.dependencies).filter(([, range]) => range.startsWith("workspace:"));
  check(workspaceRanges.length === 0, `the packed @gan/cli still has workspace: ranges: ${workspaceRanges.map(([name, range]) => `${name} ${range}`).join(", ")}`);
  const installed = Object.fromEntries([...CONSUMER_PACKAGES, "@gan/core"].map((name) => [name, installedVersion(consumer, name)]));
  const gan = (args, timeoutMs) => exec("npx", ["--no", "--", "gan", ...args], { cwd: consumer, env, timeoutMs });
  return { tarballs: tarballs.map((tarball) => basename(tarball)), installed, cliDependencies: cli.dependencies, ...(await compileTrainEval(consumer, gan, installed, " (tarballs)")) };
}

// --- the run ----------------------------------------------------------------------------

async function main(temp) {
  const summary = { timings };
  const hostEnv = cleanEnvironment({});
  const binDir = join(temp, "bin");
  // npm refuses one file as both its user and its global config.
  const emptyUserConfig = join(temp, "empty-user-npmrc");
  const emptyGlobalConfig = join(temp, "empty-global-npmrc");
  writeFileSync(emptyUserConfig, "");
  writeFileSync(emptyGlobalConfig, "");

  const upstream = await hostNpmNetwork(hostEnv);
  check(!/^https?:\/\/(127\.|localhost)/.test(upstream.registry), `this machine's npm registry is already local (${upstream.registry}); refusing to proxy a registry to itself`);
  await pnpmOnPath(binDir, hostEnv);
  const toolEnv = cleanEnvironment({ PATH: `${binDir}:${process.env.PATH}` });

  if (!flags["skip-build"]) {
    await step("build (pnpm build)", () => exec("pnpm", ["build"], { cwd: ROOT, env: toolEnv, timeoutMs: 20 * 60_000 }));
  }

  summary.tarballs = await tarballConsumer(temp, toolEnv);

  const workspace = join(temp, "workspace");
  await step("copy the workspace", () => copyWorkspace(workspace, toolEnv));
  const publishable = workspacePackages().map((pkg) => pkg.name);
  check(publishable.includes(THIRD_PARTY_TRICK) && CONSUMER_PACKAGES.every((name) => publishable.includes(name)), "a package the consumer needs is not in the workspace");

  const registry = await step("start Verdaccio", () => startRegistry(join(temp, "registry"), upstream, publishable));
  summary.registry = registry.url;
  try {
    const token = await createUser(registry.url);
    const host = registry.url.replace(/^http:/, "");
    const registryEnv = {
      ...toolEnv,
      npm_config_registry: registry.url,
      npm_config_userconfig: emptyUserConfig,
      npm_config_globalconfig: emptyGlobalConfig,
      npm_config_update_notifier: "false",
      npm_config_fund: "false",
      npm_config_audit: "false",
    };
    // The publisher's .npmrc, in the copy only: the token exists nowhere else.
    writeFileSync(join(workspace, ".npmrc"), `registry=${registry.url}\n${host}:_authToken=${token}\n`);

    await step("install the copy (pnpm, from the store)", async () => {
      const install = (lockfile) => exec("pnpm", ["install", lockfile, "--ignore-scripts", "--prefer-offline"], { cwd: workspace, env: registryEnv, allowFailure: true });
      let result = await install("--frozen-lockfile");
      // A lockfile behind its package.json files happens mid-edit in a working tree, never in CI's clean clone.
      if (result.code !== 0 && /OUTDATED_LOCKFILE/.test(result.stdout + result.stderr)) {
        log("the working tree's pnpm-lock.yaml is out of date; installing the copy without --frozen-lockfile");
        result = await install("--no-frozen-lockfile");
      }
      check(result.code === 0, `pnpm install in the workspace copy failed:\n${(result.stdout + result.stderr).trim().split("\n").slice(-40).join("\n")}`);
    });
    const changeset = (args) => exec(process.execPath, [join(workspace, "node_modules", "@changesets", "cli", "bin.js"), ...args], { cwd: workspace, env: registryEnv });

    await step("changeset version", () => changeset(["version"]));
    const versions = Object.fromEntries(workspacePackagesIn(workspace).map((pkg) => [pkg.name, pkg.version]));
    await step("changeset publish", () => changeset(["publish", "--no-git-tag"]));
    for (const name of publishable) {
      const onRegistry = await registryVersions(registry.url, name);
      check(onRegistry.includes(versions[name]), `${name}@${versions[name]} is not on the registry after changeset publish (it has: ${onRegistry.join(", ") || "nothing"})`);
    }
    summary.published = versions;
    log(`published ${publishable.length} packages: ${publishable.map((name) => `${name}@${versions[name]}`).join(", ")}`);

    // --- the consumer, outside the workspace ---
    const consumer = join(temp, "consumer");
    mkdirSync(consumer);
    check(relative(ROOT, consumer).startsWith(".."), "the consumer folder must be outside the workspace");
    writeFileSync(join(consumer, ".npmrc"), `registry=${registry.url}\n`);
    await exec("npm", ["init", "-y"], { cwd: consumer, env: registryEnv });
    await step("npm install (consumer)", () =>
      exec("npm", ["install", "--no-audit", "--no-fund", ...CONSUMER_PACKAGES], { cwd: consumer, env: registryEnv, timeoutMs: 15 * 60_000 }),
    );
    const entriesBefore = lockEntries(consumer);
    checkResolvedFrom(entriesBefore, registry.url);
    const installed = Object.fromEntries([...CONSUMER_PACKAGES, "@gan/core"].map((name) => [name, installedVersion(consumer, name)]));
    for (const [name, version] of Object.entries(installed)) {
      check(version === versions[name], `the consumer got ${name}@${version}, but ${versions[name]} was published`);
    }
    summary.installed = installed;
    summary.lockfileEntries = Object.keys(entriesBefore).length;

    const gan = (args, timeoutMs) => exec("npx", ["--no", "--", "gan", ...args], { cwd: consumer, env: registryEnv, timeoutMs });
    const { stdout: cliVersion } = await gan(["--version"]);
    check(cliVersion.trim() === versions["@gan/cli"], `npx gan --version says ${cliVersion.trim()}, expected ${versions["@gan/cli"]}`);
    const { stdout: tricksJson } = await gan(["tricks", "--format", "json"]);
    const listed = JSON.parse(tricksJson).map((trick) => trick.name);
    check(["@gan/gp", "@gan/label-smoothing", THIRD_PARTY_TRICK].every((name) => listed.includes(name)), `gan tricks lists ${listed.join(", ")}`);

    const used = await compileTrainEval(consumer, gan, installed, "");
    Object.assign(summary, used);
    const compiled = used.compile.tricks;

    // --- a patch release of one trick, and the consumer's upgrade ---
    const patched = flags.patch;
    check(CONSUMER_PACKAGES.includes(patched) && patched !== "@gan/cli", `--patch must name one of the consumer's tricks, got ${patched}`);
    writeFileSync(join(workspace, ".changeset", "e2e-registry-patch.md"), `---\n"${patched}": patch\n---\n\nA patch release made by the registry test.\n`);
    await step(`changeset version (patch of ${patched})`, () => changeset(["version"]));
    const afterPatch = Object.fromEntries(workspacePackagesIn(workspace).map((pkg) => [pkg.name, pkg.version]));
    const moved = Object.keys(afterPatch).filter((name) => afterPatch[name] !== versions[name]);
    check(moved.length === 1 && moved[0] === patched, `changeset version moved ${moved.join(", ") || "nothing"}, expected ${patched} alone`);
    await step(`changeset publish (patch of ${patched})`, () => changeset(["publish", "--no-git-tag"]));
    for (const name of publishable) {
      const onRegistry = await registryVersions(registry.url, name);
      const expected = name === patched ? [versions[name], afterPatch[name]] : [versions[name]];
      check(JSON.stringify(onRegistry.sort()) === JSON.stringify(expected.sort()), `${name} on the registry: ${onRegistry.join(", ")}; expected ${expected.join(", ")}`);
    }

    const manifestBefore = readJson(join(consumer, "package.json"));
    await step(`npm update ${patched} (consumer)`, () => exec("npm", ["update", "--no-audit", "--no-fund", patched], { cwd: consumer, env: registryEnv }));
    const entriesAfter = lockEntries(consumer);
    checkResolvedFrom(entriesAfter, registry.url);
    const patchedPath = `node_modules/${patched}`;
    const changed = Object.keys({ ...entriesBefore, ...entriesAfter }).filter(
      (path) => JSON.stringify(entriesBefore[path]) !== JSON.stringify(entriesAfter[path]),
    );
    check(changed.length === 1 && changed[0] === patchedPath, `npm update changed these lockfile entries: ${changed.join(", ") || "none"}; expected ${patchedPath} alone`);
    check(entriesAfter[patchedPath].version === afterPatch[patched], `the lockfile has ${patched}@${entriesAfter[patchedPath].version}, expected ${afterPatch[patched]}`);
    for (const name of [...CONSUMER_PACKAGES, "@gan/core"]) {
      const expected = name === patched ? afterPatch[name] : installed[name];
      check(installedVersion(consumer, name) === expected, `node_modules/${name} is ${installedVersion(consumer, name)} after the update, expected ${expected}`);
    }
    const manifestAfter = readJson(join(consumer, "package.json"));
    for (const name of CONSUMER_PACKAGES.filter((name) => name !== patched)) {
      check(manifestAfter.dependencies[name] === manifestBefore.dependencies[name], `npm update changed the consumer's range of ${name}`);
    }
    await step("npx gan compile (after the update)", () => gan(["compile", "ring.gan", "-o", "plan-after-update.json"]));
    const recompiled = planTricks(join(consumer, "plan-after-update.json"));
    check(recompiled[patched] === afterPatch[patched], `after the update the plan has ${patched}@${recompiled[patched]}, expected ${afterPatch[patched]}`);
    for (const [name, version] of Object.entries(compiled)) {
      if (name !== patched) check(recompiled[name] === version, `after the update the plan has ${name}@${recompiled[name]}, expected ${version} (untouched)`);
    }
    summary.patch = {
      package: patched,
      from: versions[patched],
      to: afterPatch[patched],
      lockfileEntriesChanged: changed,
      lockfileEntriesUnchanged: Object.keys(entriesAfter).length - changed.length,
      rangesBefore: manifestBefore.dependencies,
      rangesAfter: manifestAfter.dependencies,
      planTricksAfter: recompiled,
    };

    // --- a new trick from the scaffold, against the packages from the registry ---
    const scaffoldName = "gan-trick-drift";
    const scaffold = join(consumer, scaffoldName);
    await step(`npx gan new trick ${scaffoldName}; npm install, build and test it`, async () => {
      await gan(["new", "trick", scaffoldName, "--dir", scaffoldName]);
      await exec("npm", ["install", "--no-audit", "--no-fund"], { cwd: scaffold, env: registryEnv, timeoutMs: 15 * 60_000 });
      await exec("npm", ["run", "build"], { cwd: scaffold, env: registryEnv });
      check(existsSync(join(scaffold, "dist", "index.js")) && existsSync(join(scaffold, "dist", "index.d.ts")), "the scaffold's build wrote no dist/index.js and dist/index.d.ts");
      const tested = await exec("npm", ["test"], { cwd: scaffold, env: registryEnv });
      const plain = `${tested.stdout}${tested.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
      const passed = plain.match(/Tests\s+(\d+) passed/);
      check(passed && !/failed/.test(plain.match(/^\s*Tests\s+.*$/m)?.[0] ?? ""), `the scaffold's tests did not pass:\n${plain}`);
      const manifest = readJson(join(scaffold, "package.json"));
      summary.scaffold = {
        package: scaffoldName,
        peerRange: manifest.peerDependencies["@gan/core"],
        coreInstalled: installedVersion(scaffold, "@gan/core"),
        testsPassed: Number(passed[1]),
      };
    });
  } finally {
    await registry.stop();
    log("Verdaccio stopped");
  }
  return summary;
}

/** Versions as they are in the copy after `changeset version` (the real workspace is untouched). */
function workspacePackagesIn(workspace) {
  return workspacePackages().map((pkg) => {
    const manifest = readJson(join(workspace, pkg.relativeDir, "package.json"));
    return { name: manifest.name, version: manifest.version };
  });
}

const temp = mkdtempSync(join(tmpdir(), "gan-e2e-registry-"));
let finished = false;
function cleanUp() {
  if (flags.keep) return log(`kept ${temp}`);
  rmSync(temp, { recursive: true, force: true });
  log(`removed ${temp}`);
}
// Ctrl-C or a test runner's SIGTERM: the in-process registry goes with us; the temp folder too.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (!finished) {
      log(`${signal}: stopping`);
      for (const child of running) child.kill("SIGTERM");
      cleanUp();
    }
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

try {
  const summary = await main(temp);
  summary.totalSeconds = Math.round((Date.now() - started) / 100) / 10;
  if (flags.summary) writeFileSync(flags.summary, `${JSON.stringify(summary, null, 2)}\n`);
  log(`passed in ${summary.totalSeconds} s`);
  finished = true;
  cleanUp();
  process.exit(0);
} catch (error) {
  finished = true;
  console.error(`\ne2e-registry: FAILED: ${error instanceof StepError ? error.message : (error.stack ?? error)}`);
  cleanUp();
  process.exit(1);
}
