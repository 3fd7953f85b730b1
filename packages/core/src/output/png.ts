/** PNG encoding of raw 8-bit pixels (pngjs), for sample grids and scatter plots. */
import { PNG, type ColorType } from "pngjs";

const COLOR_TYPES: Record<number, ColorType> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/**
 * Encodes `data` (height rows of width pixels of `channels` bytes: 1 grey, 2 grey+alpha,
 * 3 RGB, 4 RGBA) as a PNG of the same colour type, so a grey grid stays a small grey file.
 */
export function encodePng(width: number, height: number, channels: number, data: Uint8Array): Buffer {
  const colorType = COLOR_TYPES[channels];
  if (colorType === undefined) throw new Error(`a PNG has 1, 2, 3 or 4 channels, not ${channels}`);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`a PNG needs a positive integer size, got ${width}x${height}`);
  }
  if (data.length !== width * height * channels) {
    throw new Error(`${width}x${height} pixels of ${channels} channels take ${width * height * channels} bytes, got ${data.length}`);
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: channels === 2 || channels === 4 });
}
