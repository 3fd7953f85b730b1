/**
 * The images pipeline on a generated folder of 50,000 images (bench/make-image-folder.ts: 96x80,
 * a third each PNG, JPEG and WebP), served at 64x64x3 as `data images { size: [64, 64],
 * channels: 3 }` does: images per second and peak resident memory (RSS), for the first epoch
 * (every image decoded, resized, cropped and written to the cache) and for a later one (read
 * from the cache, after the folder's content is hashed again to find it). Each phase runs in a
 * process of its own, so that one's memory does not count in the other's.
 *
 *   nice node --conditions=@gan/source --import tsx bench/data.ts [--images N] [--batch B] [--no-write]
 *
 * Results go to bench/RESULTS.md, section "Images pipeline".
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRng, imageCacheDir, openDataSource } from "@gan/core/runtime";
import { flag, hasFlag } from "./bench-args.js";
import { defaultImageFolder, HEIGHT, makeImageFolder, WIDTH } from "./make-image-folder.js";
import { machineLine, writeResultsSection } from "./results-file.js";

const IMAGES = Number(flag("--images") ?? 50_000);
const BATCH = Number(flag("--batch") ?? 64);
const SIZE = 64;
const MiB = 1024 * 1024;

interface PhaseResult {
  openSeconds: number;
  epochSeconds: number;
  peakRssMiB: number;
  images: number;
}

/** One phase in this process: open the folder (decoding it when the cache is empty), then serve one epoch. */
async function runPhase(dir: string): Promise<PhaseResult> {
  let peak = process.memoryUsage().rss;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
  const timer = setInterval(sample, 50);
  const data: Parameters<typeof openDataSource>[0] = {
    kind: "images",
    dir,
    ...{ size: [SIZE, SIZE], channels: 3, crop: "center", resize: "area", background: "#000000", onBadFile: "stop" },
    ...{ shape: [SIZE, SIZE, 3], nativeRange: [0, 1], range: [-1, 1] },
  };
  const opened = performance.now();
  const source = await openDataSource(data, { rng: createRng(1) });
  const openSeconds = (performance.now() - opened) / 1000;
  clearInterval(timer);
  const out = new Float32Array(BATCH * SIZE * SIZE * 3);
  const started = performance.now();
  for (let served = 0; served < source.size!; served += BATCH) {
    source.nextBatch(BATCH, out);
    if ((served / BATCH) % 20 === 0) sample();
  }
  const epochSeconds = (performance.now() - started) / 1000;
  sample();
  return { openSeconds, epochSeconds, peakRssMiB: peak / MiB, images: source.size! };
}

const phase = flag("--phase");
if (phase !== undefined) {
  process.stdout.write(`${JSON.stringify(await runPhase(flag("--dir")!))}\n`);
  process.exit(0);
}

const dir = await makeImageFolder(IMAGES, defaultImageFolder(IMAGES));
const loadAtStart = os.loadavg()[0]!;
const cacheRoot = mkdtempSync(path.join(os.tmpdir(), "gan-bench-cache-"));
const folderBytes = readdirSync(dir).reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);
const runPhaseProcess = (name: string): PhaseResult => {
  process.stderr.write(`${name} epoch...\n`);
  const output = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--phase", name, "--dir", dir, "--batch", String(BATCH)], {
    env: { ...process.env, GAN_CACHE_DIR: cacheRoot },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(output) as PhaseResult;
};
const first = runPhaseProcess("first");
const cached = runPhaseProcess("cached");
process.env.GAN_CACHE_DIR = cacheRoot;
const cacheBytes = readdirSync(imageCacheDir()).reduce((sum, name) => sum + statSync(path.join(imageCacheDir(), name)).size, 0);
rmSync(cacheRoot, { recursive: true, force: true });

const perSecond = (images: number, seconds: number) => Math.round(images / seconds).toLocaleString("en-US");
const row = (name: string, r: PhaseResult) =>
  `| ${name} | ${r.openSeconds.toFixed(1)} s | ${perSecond(r.images, r.openSeconds)} | ${r.epochSeconds.toFixed(1)} s | ${perSecond(r.images, r.epochSeconds)} | ${r.peakRssMiB.toFixed(0)} MiB |`;
const text = [
  "## Images pipeline",
  "",
  `\`pnpm bench:data\`: a generated folder of ${IMAGES.toLocaleString("en-US")} images of ${WIDTH}x${HEIGHT} (a third each PNG, JPEG, WebP;`,
  `${(folderBytes / MiB).toFixed(0)} MiB), served as \`data images { size: [${SIZE}, ${SIZE}], channels: 3 }\` in batches of ${BATCH}. *Open* is`,
  "`openDataSource`: listing, hashing every file's bytes to find the cache, and on the first epoch decoding, resizing,",
  "cropping and writing every image into it; *epoch* serves every image once from the cache (shuffled, mapped to",
  `[-1, 1]). The cache file is ${(cacheBytes / MiB).toFixed(0)} MiB. Peak RSS is sampled every 50 ms in a process of each phase's own:`,
  "it stays far below the decoded set's size, since images are read a batch at a time.",
  "",
  "| epoch | open | images/s (open) | epoch | images/s (epoch) | peak RSS |",
  "|---|---|---|---|---|---|",
  row("first (decode into the cache)", first),
  row("later (from the cache)", cached),
  "",
  `${machineLine()} (${loadAtStart.toFixed(1)} at the start: the machine was shared, so the figures are slower than on an idle one).`,
].join("\n");
process.stdout.write(`${text}\n`);
if (!hasFlag("--no-write")) writeResultsSection("Images pipeline", text);
