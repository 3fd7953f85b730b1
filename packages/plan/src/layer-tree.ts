/**
 * Walking a network's layers into its blocks (layer-kinds/blocks.ts): every layer with its
 * path below the network's `layers` (`[2]`, or `[2, "layers", 0]` inside a residual block),
 * and the layers rebuilt with changes at any depth.
 */
import { blockOf, type Layer, type LayerList } from "./layer-kinds/index.js";
import type { PathSegment } from "./path.js";

/** Where a layer is below a network's `layers`: `[2]`, or `[2, "layers", 0]` inside a block. */
export type LayerPath = PathSegment[];

/** The lists of layers a block holds; none for a flat layer. */
export function layerLists(layer: Layer): LayerList[] {
  return blockOf(layer.type)?.lists(layer as never) ?? [];
}

/** Every layer, depth first (a block, then the layers it holds, list by list), with its path. */
export function* walkLayers(layers: readonly Layer[], path: LayerPath = []): Generator<{ layer: Layer; path: LayerPath }> {
  for (const [index, layer] of layers.entries()) {
    const at = [...path, index];
    yield { layer, path: at };
    for (const list of layerLists(layer)) yield* walkLayers(list.layers, [...at, ...list.path]);
  }
}

/** The layers rebuilt from the inside out: a block's lists are mapped first, then `map` sees the block. */
export function mapLayerTree(layers: readonly Layer[], map: (layer: Layer, path: LayerPath) => Layer, path: LayerPath = []): Layer[] {
  return layers.map((layer, index) => {
    const at = [...path, index];
    const block = blockOf(layer.type);
    if (block === undefined) return map(layer, at);
    const lists = block.lists(layer as never).map((list) => mapLayerTree(list.layers, map, [...at, ...list.path]));
    return map(block.withLists(layer as never, lists) as Layer, at);
  });
}

/**
 * The layers along a path, outermost first: the last is the layer at the path, or the
 * innermost one it reaches when it goes on into a field (`[2, "layers", 0, "outputShape"]`)
 * or nowhere.
 */
export function layersAlong(layers: readonly Layer[], path: LayerPath): Layer[] {
  const along: Layer[] = [];
  let list: readonly Layer[] = layers;
  let rest = path;
  for (;;) {
    const layer = typeof rest[0] === "number" ? list[rest[0]] : undefined;
    if (layer === undefined) return along;
    along.push(layer);
    rest = rest.slice(1);
    if (rest.length === 0) return along;
    const inner = layerLists(layer).find((candidate) => candidate.path.every((segment, i) => rest[i] === segment));
    if (inner === undefined) return along;
    list = inner.layers;
    rest = rest.slice(inner.path.length);
  }
}
