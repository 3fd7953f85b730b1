/**
 * The Noto emoji images that ship inside the `emoji-datasource-google` npm package (a
 * devDependency of @gan/metrics: installed with the workspace, nothing downloaded at run
 * time): 64x64 RGBA PNGs, one per emoji and one per skin-tone variation, each with the
 * category emoji.json gives its emoji ("Smileys & Emotion", "Flags", ...).
 *
 * Licences, as the package states them: the package (data and code) is MIT (its LICENSE,
 * Copyright (c) 2013 Cal Henderson); the Google/Noto images are under the Apache License 2.0
 * (its README.md, "Image Sources": https://github.com/googlei18n/noto-emoji/blob/master/LICENSE).
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

export const EMOJI_PACKAGE = "emoji-datasource-google";
/** The image size the package ships (img/google/64/). */
export const EMOJI_IMAGE_SIDE = 64;

export interface EmojiImage {
  /** The PNG's file name in the package (`1f385-1f3fb.png`), also its name in the folder made from it. */
  image: string;
  /** Absolute path of the PNG inside the installed package. */
  file: string;
  /** emoji.json's `category` of the emoji (of the base emoji for a skin-tone variation). */
  category: string;
  /** The base emoji's image: a skin-tone variation and its base share it, so a held-out split keeps them together. */
  group: string;
}

interface EmojiEntry {
  image: string;
  category: string;
  has_img_google: boolean;
  skin_variations?: Record<string, { image: string; has_img_google: boolean }>;
}

/** The installed package's directory (resolved from this package, whose devDependency it is). */
export function emojiPackageDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve(`${EMOJI_PACKAGE}/package.json`));
}

/** Every emoji image with a Google image in the package, in emoji.json's order (variations after their base). */
export function emojiImages(packageDir: string = emojiPackageDirectory()): EmojiImage[] {
  const entries = JSON.parse(readFileSync(path.join(packageDir, "emoji.json"), "utf8")) as EmojiEntry[];
  const imageDir = path.join(packageDir, "img", "google", String(EMOJI_IMAGE_SIDE));
  const images: EmojiImage[] = [];
  for (const entry of entries) {
    const variations = Object.values(entry.skin_variations ?? {});
    for (const { image, has_img_google } of [entry, ...variations]) {
      const file = path.join(imageDir, image);
      // emoji.json lists emoji some vendors lack; the flag says whether Google's image exists.
      if (has_img_google && existsSync(file)) images.push({ image, file, category: entry.category, group: entry.image });
    }
  }
  return images;
}

/** The package's version, for the records of what was trained on. */
export function emojiPackageVersion(packageDir: string = emojiPackageDirectory()): string {
  return (JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string }).version;
}
