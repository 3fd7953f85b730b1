/**
 * The 2-D Gaussian mixtures of the GAN mode-collapse literature, as PacGAN (Lin et al. 2018)
 * and VEEGAN define them: `ring` puts `modes` means evenly on a circle of `radius` (8, 1,
 * std 0.01 by default); `grid` puts side x side means at {-(side-1)/2, ..., (side-1)/2} x
 * spacing in each coordinate ({-4, -2, 0, 2, 4}^2, std 0.05 by default). Each sample picks a
 * mode uniformly and adds isotropic noise of standard deviation `std`.
 */
import type { GridData, RingData } from "@gan/plan";

export type MixtureData = RingData | GridData;

/** The mixture's means as [x, y] pairs: ring counter-clockwise from (radius, 0); grid row by row, x slowest. */
export function mixtureMeans(data: MixtureData): [number, number][] {
  if (data.kind === "ring") {
    const modes = data.modes ?? 8;
    const radius = data.radius ?? 1;
    return Array.from({ length: modes }, (_, k) => {
      const angle = (2 * Math.PI * k) / modes;
      return [radius * Math.cos(angle), radius * Math.sin(angle)];
    });
  }
  const side = data.side ?? 5;
  const spacing = data.spacing ?? 2;
  const offset = (side - 1) / 2;
  const means: [number, number][] = [];
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) means.push([(i - offset) * spacing, (j - offset) * spacing]);
  }
  return means;
}

/** The noise standard deviation of each mode. */
export function mixtureStd(data: MixtureData): number {
  return data.std ?? (data.kind === "ring" ? 0.01 : 0.05);
}
