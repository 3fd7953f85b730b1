/**
 * Writes a folder of generated images for `pnpm bench:data`: N images (default 50,000) of
 * 96x80 pixels, a third each PNG, JPEG and WebP, each a colour gradient with its own offsets
 * (so that no two files are the same and each compresses like a smooth photograph, a few KiB).
 * A folder that already holds N images is left as it is.
 *
 *   node --conditions=@gan/source --import tsx bench/make-image-folder.ts [--images N] [--dir DIR]
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { flag } from "./bench-args.js";

// sharp is @gan/core's dependency: taken from there, as core loads it.
const sharp = createRequire(new URL("../packages/core/package.json", import.meta.url))("sharp") as typeof import("sharp").default;

export const WIDTH = 96;
export const HEIGHT = 80;
const FORMATS = ["png", "jpg", "webp"] as const;

export function defaultImageFolder(images: number): string {
  return path.join(os.tmpdir(), `gan-bench-images-${images}`);
}

function gradient(index: number): Buffer {
  const raw = Buffer.alloc(WIDTH * HEIGHT * 3);
  const [r, g, b] = [(index * 37) % 256, (index * 91) % 256, (index * 53) % 256];
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) raw.set([(r + x * 2) % 256, (g + y * 3) % 256, (b + x + y) % 256], 3 * (y * WIDTH + x));
  }
  return raw;
}

export async function makeImageFolder(images: number, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length === images) return dir;
  const ahead = 8;
  for (let start = 0; start < images; start += ahead) {
    await Promise.all(
      Array.from({ length: Math.min(ahead, images - start) }, async (_, k) => {
        const index = start + k;
        const format = FORMATS[index % FORMATS.length]!;
        const file = path.join(dir, `${String(index).padStart(6, "0")}.${format}`);
        if (existsSync(file)) return;
        const image = sharp(gradient(index), { raw: { width: WIDTH, height: HEIGHT, channels: 3 } });
        await (format === "png" ? image.png() : format === "jpg" ? image.jpeg({ quality: 90 }) : image.webp({ quality: 90 })).toFile(file);
      }),
    );
    if ((start / ahead) % 1000 === 0) process.stderr.write(`${start} / ${images} images written\n`);
  }
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const images = Number(flag("--images") ?? 50_000);
  const dir = await makeImageFolder(images, flag("--dir") ?? defaultImageFolder(images));
  process.stdout.write(`${dir}\n`);
}
