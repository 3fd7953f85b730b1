/**
 * Image resampling for `data images { size, resize }`, written out here rather than left to the
 * decoder so that what `area` and `bilinear` mean is fixed (and tested pixel for pixel) on every
 * platform and decoder version:
 *
 * - `area`: each output pixel is the mean of the source pixels it covers, each weighted by the
 *   part of it that is covered (OpenCV's INTER_AREA, PIL's BOX). The right choice for shrinking:
 *   every source pixel counts, so there is no aliasing.
 * - `bilinear`: each output pixel interpolates the four source pixels around its centre, with
 *   pixel centres at half-integers (tf.image.resize's `bilinear`, PyTorch's
 *   `align_corners=False`) and no anti-aliasing.
 *
 * Both are separable: rows are resampled first, then columns, in float.
 */
export type ResizeMethod = "area" | "bilinear";

/** For each output index: the source indices it reads and their weights (summing to 1). */
interface Taps {
  start: Int32Array;
  count: Int32Array;
  index: Int32Array;
  weight: Float32Array;
}

function taps(inLength: number, outLength: number, method: ResizeMethod): Taps {
  const scale = inLength / outLength;
  const lists: { index: number; weight: number }[][] = [];
  for (let j = 0; j < outLength; j++) {
    const list: { index: number; weight: number }[] = [];
    if (method === "area") {
      const from = j * scale;
      const to = (j + 1) * scale;
      for (let k = Math.floor(from); k < Math.min(inLength, Math.ceil(to)); k++) {
        const covered = Math.min(to, k + 1) - Math.max(from, k);
        if (covered > 0) list.push({ index: k, weight: covered / scale });
      }
    } else {
      const centre = Math.min(Math.max((j + 0.5) * scale - 0.5, 0), inLength - 1);
      const left = Math.floor(centre);
      const fraction = centre - left;
      list.push({ index: left, weight: 1 - fraction });
      if (fraction > 0) list.push({ index: left + 1, weight: fraction });
    }
    lists.push(list);
  }
  const total = lists.reduce((sum, list) => sum + list.length, 0);
  const result: Taps = { start: new Int32Array(outLength), count: new Int32Array(outLength), index: new Int32Array(total), weight: new Float32Array(total) };
  let at = 0;
  lists.forEach((list, j) => {
    result.start[j] = at;
    result.count[j] = list.length;
    for (const tap of list) {
      result.index[at] = tap.index;
      result.weight[at++] = tap.weight;
    }
  });
  return result;
}

/** A float image, row-major, channels last. */
export interface FloatImage {
  height: number;
  width: number;
  channels: number;
  values: Float32Array;
}

/** `image` resampled to `height` x `width` (the same image when it already has that size). */
export function resizeImage(image: FloatImage, height: number, width: number, method: ResizeMethod): FloatImage {
  if (image.height === height && image.width === width) return image;
  const c = image.channels;
  const across = taps(image.width, width, method);
  const rows = new Float32Array(image.height * width * c);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < width; x++) {
      const out = (y * width + x) * c;
      for (let t = across.start[x]!, end = t + across.count[x]!; t < end; t++) {
        const from = (y * image.width + across.index[t]!) * c;
        const weight = across.weight[t]!;
        for (let k = 0; k < c; k++) rows[out + k] = rows[out + k]! + weight * image.values[from + k]!;
      }
    }
  }
  const down = taps(image.height, height, method);
  const values = new Float32Array(height * width * c);
  for (let y = 0; y < height; y++) {
    for (let t = down.start[y]!, end = t + down.count[y]!; t < end; t++) {
      const from = down.index[t]! * width * c;
      const weight = down.weight[t]!;
      const out = y * width * c;
      for (let i = 0; i < width * c; i++) values[out + i] = values[out + i]! + weight * rows[from + i]!;
    }
  }
  return { height, width, channels: c, values };
}

/**
 * The size an image of `height` x `width` is scaled to so that it covers `target` with its
 * aspect ratio kept: its shorter side (relative to the target's) fits, the other overhangs.
 */
export function coverSize(height: number, width: number, [targetHeight, targetWidth]: readonly [number, number]): [number, number] {
  const scale = Math.max(targetHeight / height, targetWidth / width);
  return [Math.max(targetHeight, Math.round(height * scale)), Math.max(targetWidth, Math.round(width * scale))];
}
