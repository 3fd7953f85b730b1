/**
 * Makes the images folder of examples/emoji.gan from the installed `emoji-datasource-google`
 * package (see emoji-set.ts for what it holds and its licences):
 *
 *   OUT/images/<code points>.png   every Noto emoji image, 64x64 RGBA (about 3,800)
 *   OUT/categories.csv             file,label: each image's emoji.json category
 *                                  (for `classes: "../categories.csv"`, and for reading)
 *
 *   pnpm emoji:folder [OUT]        (at the repository root; OUT defaults to examples/emoji)
 *
 * Copies are made afresh each time (stale files from another package version are removed),
 * so the folder always holds exactly the installed package's images.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { emojiImages, emojiPackageVersion, EMOJI_PACKAGE } from "./emoji-set.js";

/** Where examples/emoji.gan reads its images from. */
export const EXAMPLE_EMOJI_FOLDER = fileURLToPath(new URL("../../../examples/emoji", import.meta.url));

/** A CSV field, quoted when it holds a comma or a quote ("Smileys & Emotion" needs none; be safe). */
const csvField = (text: string): string => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

export function makeEmojiFolder(out: string): { images: number; categories: Map<string, number> } {
  const images = emojiImages();
  const imageDir = path.join(out, "images");
  rmSync(imageDir, { recursive: true, force: true });
  mkdirSync(imageDir, { recursive: true });
  const categories = new Map<string, number>();
  const lines = ["file,label"];
  for (const image of images) {
    copyFileSync(image.file, path.join(imageDir, image.image));
    lines.push(`${csvField(image.image)},${csvField(image.category)}`);
    categories.set(image.category, (categories.get(image.category) ?? 0) + 1);
  }
  writeFileSync(path.join(out, "categories.csv"), `${lines.join("\n")}\n`);
  return { images: images.length, categories };
}

/**
 * Makes the folder unless it is there. Built aside and renamed into place, because the test
 * runner runs packages in parallel and two of them (the golden plans, the examples' smoke test)
 * may need it at once: neither may see, or remove, the other's half-made folder.
 */
export function ensureEmojiFolder(out: string = EXAMPLE_EMOJI_FOLDER): void {
  if (existsSync(out)) return;
  const aside = `${out}.${process.pid}.partial`;
  makeEmojiFolder(aside);
  try {
    renameSync(aside, out);
  } catch (error) {
    rmSync(aside, { recursive: true, force: true });
    if (!existsSync(out)) throw error; // another process renamed its copy into place first: use that one
  }
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = path.resolve(process.argv[2] ?? EXAMPLE_EMOJI_FOLDER);
  const { images, categories } = makeEmojiFolder(out);
  const counts = [...categories].map(([name, count]) => `${name} ${count}`).join(", ");
  console.log(`wrote ${images} images of ${EMOJI_PACKAGE} ${emojiPackageVersion()} to ${path.join(out, "images")} and their categories to ${path.join(out, "categories.csv")} (${counts})`);
}
