/**
 * The yardsticks of the emoji example's metrics (bench/QUALITY.md, "Emoji"): what a perfect
 * generator would score on the project's emoji classifier, two disjoint sets of N real emoji
 * (one epoch of the example's images folder, drawn as gan eval draws its reference, split in
 * two), and what uniform noise scores against the same real set. Make the folder first
 * (`pnpm emoji:folder`).
 *
 *   pnpm bench:emoji-floor     (N=1000 by default)
 */
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { createRng, openDataSource, selectBackend } from "@gan/core/runtime";
import { featureMetrics, featureNetworkExtractor, uniformSource } from "@gan/metrics";

const N = Number(process.env.N ?? 1000);
const SHAPE = [32, 32, 3];
const dir = fileURLToPath(new URL("../examples/emoji/images", import.meta.url));
// examples/emoji.gan's data, in [0, 1] as the feature network sees it.
const data = { kind: "images", dir, size: [32, 32], channels: 3, crop: "center", resize: "area", background: "#ffffff", onBadFile: "stop", shape: SHAPE, nativeRange: [0, 1], range: [0, 1] } as Parameters<typeof openDataSource>[0];

await selectBackend((process.env.BACKEND ?? "blas") as Parameters<typeof selectBackend>[0]);
const source = await openDataSource(data, { rng: createRng(0).split("eval-reference") });
if (source.size! < 2 * N) throw new Error(`the folder has ${source.size} images, fewer than 2 x ${N}`);
const drawn = source.nextBatch(2 * N); // one epoch's order: no image twice
const pixels = N * SHAPE.reduce((a, b) => a * b, 1);
const extractor = await featureNetworkExtractor({ model: "emoji-classifier" });
const first = await extractor.extract(drawn.subarray(0, pixels), N, SHAPE);
const second = await extractor.extract(drawn.subarray(pixels), N, SHAPE);
const uniform = uniformSource(1);
const noise = await extractor.extract(Float32Array.from({ length: pixels }, () => uniform()), N, SHAPE);
const metrics = ["fd", "kid", "precision", "recall", "density", "coverage"] as const;
const row = (m: Awaited<ReturnType<typeof featureMetrics>>) =>
  `fd ${m.fd!.toFixed(2)}, kid ${m.kid!.mean.toFixed(4)}, precision ${m.precision!.toFixed(3)}, recall ${m.recall!.toFixed(3)}, density ${m.density!.toFixed(3)}, coverage ${m.coverage!.toFixed(3)}`;
console.log(`load average ${loadavg().map((x) => x.toFixed(1)).join(", ")}; ${N} vs ${N} on ${extractor.id}`);
console.log(`real vs real (disjoint): ${row(await featureMetrics(first, second, { metrics }))}`);
console.log(`uniform noise vs real:   ${row(await featureMetrics(first, noise, { metrics }))}`);
