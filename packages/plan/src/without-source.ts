/**
 * A plan without where it came from, for comparing what two plans compute: the spec's file
 * name and hash (`source`) and the line and column of every layer, trick and data statement.
 * Specs that differ only in a comment, in layout or in their file name give equal plans.
 */
import { mapLayerTree } from "./layer-tree.js";
import type { Layer, Network, Plan, Rewrite } from "./schema.js";

export type PlanWithoutSource = Omit<Plan, "source">;

function layerWithoutSource(layer: Layer): Layer {
  const { source: _source, ...rest } = layer;
  return rest as Layer;
}

function networkWithoutSource(network: Network): Network {
  return { ...network, layers: mapLayerTree(network.layers, layerWithoutSource) };
}

function rewriteWithoutSource(rewrite: Rewrite): Rewrite {
  const copy = { ...rewrite };
  if (copy.before) copy.before = mapLayerTree([copy.before], layerWithoutSource)[0]!;
  if (copy.after) copy.after = mapLayerTree([copy.after], layerWithoutSource)[0]!;
  return copy;
}

export function withoutSource(plan: Plan): PlanWithoutSource {
  const { source: _source, ...rest } = plan;
  const { source: _dataSource, ...data } = plan.data;
  return {
    ...rest,
    data: data as Plan["data"],
    networks: { generator: networkWithoutSource(plan.networks.generator), discriminator: networkWithoutSource(plan.networks.discriminator) },
    tricks: plan.tricks.map(({ source: _trickSource, ...use }) => use),
    rewrites: plan.rewrites.map(rewriteWithoutSource),
  };
}
