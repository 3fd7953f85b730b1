/** Shapes as tfjs-layers passes them to `build` and `computeOutputShape`. */
export type LayerShape = (number | null)[] | (number | null)[][];

/** The shape of a single-input layer's input (tfjs may wrap it in a list). */
export function singleShape(shape: LayerShape): (number | null)[] {
  return (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
}

/** A weight's seed: distinct per weight of a layer, reproducible from the layer's seed (build-network.ts `layerSeed`). */
export function weightSeed(layerSeed: number, weight: number): number {
  return (layerSeed + weight) % 2147483647;
}
