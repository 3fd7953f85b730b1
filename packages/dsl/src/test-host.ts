/**
 * A CompileHost for tests: the compiler's view of a few trick packages, without @gan/core.
 *
 * - `@gan/fixture`: options with defaults, a check that fails, and a rewrite (every relu of
 *   the discriminator becomes leakyrelu `slope`), recorded in plan.rewrites;
 * - `@gan/first` (order "pre") and `@gan/last` (order "post"): rewrites that only record
 *   that they ran, to see the order;
 * - `@gan/throws`: a rewrite that throws; `@gan/breaks`: one that makes the plan invalid;
 *   `@gan/mutates`: one that changes the plan it is given;
 * - `@gan/stddev`: adds a `trick` layer (minibatch stddev: one more channel) before the
 *   discriminator's flatten, whose shape only it knows;
 * - `@gan/loss-fixture`: provides the loss `softhinge` (a spec selects it with `loss softhinge`);
 *   `@gan/loss-reader`: a rewrite that records the declaration of the plan's loss it was given;
 * - stand-ins for the real tricks the examples use, with their option names.
 */
import type { CompileHost, DataClasses, DataWithoutShape, EvalFeatures, FeatureNetworkResult, JsonValue, Layer, LoadedTrick, Plan, Rewrite, TrickOptionIssue } from "@gan/plan";

type Check = (value: JsonValue) => string | undefined;

const isSchedule = (value: JsonValue) => typeof value === "object" && value !== null && !Array.isArray(value) && "schedule" in value;
const number =
  (min = -Infinity, max = Infinity): Check =>
  (value) => {
    if (isSchedule(value)) return undefined;
    if (typeof value !== "number") return "expected a number";
    if (value < min) return `must be at least ${min}`;
    if (value > max) return `must be at most ${max}`;
    return undefined;
  };
const oneOf =
  (...choices: string[]): Check =>
  (value) =>
    typeof value === "string" && choices.includes(value) ? undefined : `must be one of ${choices.map((c) => `"${c}"`).join(", ")}`;
const boolean: Check = (value) => (typeof value === "boolean" ? undefined : "expected a boolean");

function trick(
  name: string,
  options: Record<string, { check: Check; default?: JsonValue }>,
  extra: Partial<LoadedTrick> = {},
): LoadedTrick {
  return {
    package: name,
    version: "1.2.3",
    order: "normal",
    optionNames: Object.keys(options),
    validateOptions(raw) {
      const issues: TrickOptionIssue[] = [];
      const out: Record<string, JsonValue> = {};
      for (const [key, value] of Object.entries(raw)) {
        const option = options[key];
        if (option === undefined) {
          issues.push({ path: [key], message: `unknown option '${key}'` });
          continue;
        }
        const problem = option.check(value);
        if (problem !== undefined) issues.push({ path: [key], message: problem });
        out[key] = value;
      }
      for (const [key, option] of Object.entries(options)) if (!(key in out) && option.default !== undefined) out[key] = option.default;
      return issues.length > 0 ? { ok: false, issues } : { ok: true, options: out };
    },
    ...extra,
  };
}

function recordOnly(name: string, order: "pre" | "post"): LoadedTrick {
  return trick(
    name,
    {},
    {
      order,
      rewrite: (plan) => ({ plan, rewrites: [{ trick: name, network: null, index: null, action: "other", description: `${name} ran` }] }),
    },
  );
}

const fixture = trick(
  "@gan/fixture",
  { slope: { check: number(0, 1), default: 0.2 }, mode: { check: oneOf("fast", "slow"), default: "fast" }, rate: { check: number(0) } },
  {
    rewrite(plan, use) {
      const slope = use.options.slope as number;
      const rewrites: Rewrite[] = [];
      const layers = plan.networks.discriminator.layers.map((layer, index): Layer => {
        if (!("activation" in layer) || layer.activation?.kind !== "relu") return layer;
        const after = { ...layer, activation: { kind: "leakyrelu" as const, alpha: slope } } as Layer;
        rewrites.push({ trick: "@gan/fixture", network: "discriminator", index, action: "replace", description: "relu -> leakyrelu", before: layer, after });
        return after;
      });
      const next: Plan = { ...plan, networks: { ...plan.networks, discriminator: { ...plan.networks.discriminator, layers } } };
      return { plan: next, rewrites };
    },
  },
);

const stddev = trick(
  "@gan/stddev",
  {},
  {
    rewrite(plan) {
      const layers = [...plan.networks.discriminator.layers];
      const index = layers.findIndex((layer) => layer.type === "flatten");
      if (index === -1) throw new Error("the discriminator has no flatten to put the stddev layer before");
      const layer: Layer = { type: "trick", trick: "@gan/stddev", name: "minibatch-stddev", options: {} };
      layers.splice(index, 0, layer);
      return {
        plan: { ...plan, networks: { ...plan.networks, discriminator: { ...plan.networks.discriminator, layers } } },
        rewrites: [{ trick: "@gan/stddev", network: "discriminator", index, action: "insert", description: "minibatch stddev", after: layer }],
      };
    },
    layerShape: (_layer, input) => [...input.slice(0, -1), input[input.length - 1]! + 1],
  },
);

const lossFixture = trick(
  "@gan/loss-fixture",
  {},
  {
    losses: { softhinge: { doc: "a hinge loss with a softplus instead of a relu", takesTargets: false, generatorUsesRealLogits: true } },
  },
);

const lossReader = trick(
  "@gan/loss-reader",
  {},
  {
    order: "post",
    rewrite: (plan, _use, loss) => ({
      plan,
      rewrites: [{ trick: "@gan/loss-reader", network: null, index: null, action: "other", description: `takesTargets ${loss?.takesTargets}, generatorUsesRealLogits ${loss?.generatorUsesRealLogits}` }],
    }),
  },
);

const TRICKS: Record<string, LoadedTrick> = {
  "@gan/loss-fixture": lossFixture,
  "@gan/loss-reader": lossReader,
  "@gan/fixture": fixture,
  "@gan/first": recordOnly("@gan/first", "pre"),
  "@gan/last": recordOnly("@gan/last", "post"),
  "@gan/throws": trick(
    "@gan/throws",
    {},
    {
      rewrite: () => {
        throw new Error("the discriminator is too small");
      },
    },
  ),
  "@gan/stddev": stddev,
  "@gan/breaks": trick(
    "@gan/breaks",
    {},
    {
      // Leaves a layer the schema refuses.
      rewrite(plan) {
        const [first, ...rest] = plan.networks.generator.layers;
        const broken = { ...first!, units: 0 } as Layer;
        const generator = { ...plan.networks.generator, layers: [broken, ...rest] };
        return {
          plan: { ...plan, networks: { ...plan.networks, generator } },
          rewrites: [{ trick: "@gan/breaks", network: "generator", index: 0, action: "replace", description: "units -> 0" }],
        };
      },
    },
  ),
  "@gan/mutates": trick(
    "@gan/mutates",
    {},
    {
      // Changes the plan it is given in place.
      rewrite(plan) {
        plan.networks.generator.layers.pop();
        return { plan, rewrites: [] };
      },
    },
  ),
  // Stand-ins for the real packages (option names as they declare them).
  "@gan/label-smoothing": trick("@gan/label-smoothing", { real: { check: number(0, 1), default: 0.9 }, fake: { check: number(0, 1), default: 0 } }),
  "@gan/leaky-relu": trick("@gan/leaky-relu", { alpha: { check: number(0, 1), default: 0.2 }, networks: { check: oneOf("generator", "discriminator", "both"), default: "both" } }),
  "@gan/ncritic": trick("@gan/ncritic", { n: { check: number(1), default: 5 } }),
  "@gan/instance-noise": trick("@gan/instance-noise", { std: { check: number(0), default: 0.1 } }),
  "@gan/gp": trick("@gan/gp", {
    kind: { check: oneOf("wgan-gp", "r1", "r2", "dragan"), default: "wgan-gp" },
    lambda: { check: number(0), default: 10 },
    target: { check: number(0) },
    every: { check: number(1), default: 1 },
    noise: { check: number(0), default: 0.5 },
  }),
  "@gan/label-noise": trick("@gan/label-noise", { flip: { check: number(0, 1), default: 0.05 }, soft: { check: boolean, default: false } }),
};

/** Option names that include every name: a stand-in that takes any option. */
class AnyOptionNames extends Array<string> {
  override includes(): boolean {
    return true;
  }
}

/** A stand-in for a package this host does not know, taking any options and rewriting nothing. */
function anyTrick(name: string): LoadedTrick {
  return {
    package: name,
    version: "0.0.0",
    order: "normal",
    optionNames: new AnyOptionNames(),
    validateOptions: (raw) => ({ ok: true, options: raw }),
  };
}

export interface TestHostOptions {
  /**
   * Load any package, as a trick that takes any option and rewrites nothing: for specs
   * (the examples) that name tricks this host does not stand in for.
   */
  anyTrick?: boolean;
  /** What `dataShape` answers; without it the host cannot read data files. */
  dataShape?: (data: DataWithoutShape) => { ok: true; shape: number[]; classes?: DataClasses } | { ok: false; message: string };
  /** What `featureNetwork` answers; without it the host does not check feature networks. */
  featureNetwork?: (features: EvalFeatures) => FeatureNetworkResult;
}

/**
 * What the examples' data files hold, without reading them: data mnist's 28x28x1 images and,
 * when asked, its ten digits (the training split's counts); an images folder's images at the
 * size and channels its spec gives. For the examples, which the test host must compile as
 * `gan compile` would.
 */
export function exampleDataFacts(data: DataWithoutShape): { ok: true; shape: number[]; classes?: DataClasses } | { ok: false; message: string } {
  if (data.kind === "images" && data.size !== undefined && data.channels !== undefined) return { ok: true, shape: [...data.size, data.channels] };
  if (data.kind !== "mnist") return { ok: false, message: `the test host reads no ${data.kind} files` };
  const counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
  const classes = data.classes && { from: "idx" as const, names: counts.map((_, digit) => String(digit)), counts };
  return { ok: true, shape: [28, 28, 1], ...(classes && { classes }) };
}

export interface TestHost extends CompileHost {
  /** Every (package, fromDir) the compiler asked for. */
  loads: { packageName: string; fromDir: string }[];
}

export function testHost(options: TestHostOptions = {}): TestHost {
  const loads: { packageName: string; fromDir: string }[] = [];
  const host: TestHost = {
    loads,
    async loadTrick(packageName, fromDir) {
      loads.push({ packageName, fromDir });
      const found = TRICKS[packageName] ?? (options.anyTrick ? anyTrick(packageName) : undefined);
      return found !== undefined ? { ok: true, trick: found } : { ok: false, message: `trick '${packageName}' is not installed: pnpm add ${packageName}` };
    },
    async installedTricks() {
      return Object.keys(TRICKS);
    },
  };
  if (options.dataShape) {
    const dataShape = options.dataShape;
    host.dataShape = async (data) => dataShape(data);
  }
  if (options.featureNetwork) {
    const featureNetwork = options.featureNetwork;
    host.featureNetwork = async (features) => featureNetwork(features);
  }
  return host;
}
