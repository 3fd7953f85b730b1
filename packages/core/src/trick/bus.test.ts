import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, test } from "vitest";
import { tinyRingPlan, useOf } from "../loop/test-plan.js";
import { createRng } from "../random.js";
import { HookBus, TrickHookError } from "./bus.js";
import { defineTrick, z, type Trick } from "./define-trick.js";
import type { RunContext } from "./hooks.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const noSinks = { log: () => {}, warn: () => {} };

function busOf(tricks: Trick[], windows: { from?: number; until?: number }[] = [], options: Record<string, unknown>[] = []) {
  const plan = tinyRingPlan({ tricks: tricks.map((trick, i) => useOf(trick.name, options[i] ?? {}, windows[i] ?? {})) });
  return HookBus.create({ plan, tricks, tf, rng: createRng(1), sinks: noSinks });
}

/** A trick that appends its name to `trace` from the labels waterfall. */
function tracer(name: string, trace: string[], order?: "pre" | "post"): Trick {
  return defineTrick({
    name,
    options: z.object({}),
    ...(order ? { order } : {}),
    setup: () => ({
      labels: (labels) => {
        trace.push(name);
        return labels;
      },
    }),
  });
}

const run = {} as RunContext;

describe("the hook bus", () => {
  test("calls 'pre' tricks first, 'post' tricks last, the others in spec order", () => {
    const trace: string[] = [];
    const bus = busOf([tracer("a-post", trace, "post"), tracer("b", trace), tracer("c-pre", trace, "pre"), tracer("d", trace)]);
    bus.waterfall("labels", { real: 1, fake: 0 }, 0);
    expect(trace).toEqual(["c-pre", "b", "d", "a-post"]);
    expect(bus.order()).toEqual(["c-pre", "b", "d", "a-post"]);
  });

  test("a waterfall hook gets the previous trick's value and passes its own on", () => {
    const smooth = defineTrick({
      name: "smooth",
      options: z.object({ real: z.number() }),
      setup: ({ options }) => ({ labels: (labels) => ({ ...labels, real: options.real }) }),
    });
    const seen: unknown[] = [];
    const halve = defineTrick({
      name: "halve",
      options: z.object({}),
      setup: () => ({
        labels: (labels, step) => {
          seen.push({ ...labels, step });
          return { real: (labels.real as number) / 2, fake: labels.fake };
        },
      }),
    });
    const bus = busOf([smooth, halve], [], [{ real: 0.9 }]);
    bus.setStep(7);
    expect(bus.waterfall("labels", { real: 1, fake: 0 }, 7)).toEqual({ real: 0.45, fake: 0 });
    expect(seen).toEqual([{ real: 0.9, fake: 0, step: 7 }]);
  });

  test("a first hook: the first trick that answers decides, later ones are not asked", () => {
    const asked: string[] = [];
    const pass = defineTrick({
      name: "pass",
      options: z.object({}),
      setup: () => ({ discriminatorUpdates: () => (asked.push("pass"), undefined) }),
    });
    const five = defineTrick({ name: "five", options: z.object({}), setup: () => ({ discriminatorUpdates: () => (asked.push("five"), 5) }) });
    const two = defineTrick({ name: "two", options: z.object({}), setup: () => ({ discriminatorUpdates: () => (asked.push("two"), 2) }) });
    const bus = busOf([pass, five, two]);
    expect(bus.count("discriminatorUpdates", 1)).toBe(5);
    expect(asked).toEqual(["pass", "five"]);
    expect(busOf([pass]).count("discriminatorUpdates", 1)).toBe(1);
    expect(busOf([]).count("generatorUpdates", 1)).toBe(1);
  });

  test("a count that is not a whole number of updates names the trick", () => {
    const bad = defineTrick({ name: "bad-count", options: z.object({}), setup: () => ({ generatorUpdates: () => 1.5 }) });
    const bus = busOf([bad]);
    bus.setStep(3);
    expect(() => bus.count("generatorUpdates", 1)).toThrow(
      "trick 'bad-count' failed in hook 'generatorUpdates' at step 3: the hook returned 1.5; it must return a whole number of updates (0 or more)",
    );
  });

  test("step hooks run only inside the trick's window; beforeTraining and afterTraining always", async () => {
    const calls: string[] = [];
    const windowed = defineTrick({
      name: "windowed",
      options: z.object({}),
      setup: ({ step }) => ({
        labels: (labels) => (calls.push(`labels@${step()}`), labels),
        discriminatorUpdates: () => (calls.push(`count@${step()}`), 3),
        afterDiscriminatorStep: () => void calls.push(`afterD@${step()}`),
        afterGeneratorStep: () => void calls.push(`afterG@${step()}`),
        beforeTraining: () => void calls.push("before"),
        afterTraining: () => void calls.push("after"),
      }),
    });
    const bus = busOf([windowed], [{ from: 2, until: 4 }]);
    await bus.lifecycle("beforeTraining", run);
    const counts: number[] = [];
    for (let step = 0; step < 6; step++) {
      bus.setStep(step);
      counts.push(bus.count("discriminatorUpdates", 1));
      bus.waterfall("labels", { real: 1, fake: 0 }, step);
      bus.series("afterDiscriminatorStep", run);
      bus.series("afterGeneratorStep", run);
    }
    await bus.lifecycle("afterTraining", run);
    expect(counts).toEqual([1, 1, 3, 3, 1, 1]);
    expect(calls).toEqual([
      "before",
      "count@2", "labels@2", "afterD@2", "afterG@2",
      "count@3", "labels@3", "afterD@3", "afterG@3",
      "after",
    ]);
  });

  test("`at` evaluates a scheduled option at the current step", () => {
    const values: number[] = [];
    const noise = defineTrick({
      name: "noise",
      options: z.object({ std: z.number() }),
      setup: ({ options, at }) => ({ labels: (labels) => (values.push(at(options.std)), labels) }),
    });
    const bus = busOf([noise], [], [{ std: { schedule: "linear", from: 1, to: 0, start: 0, end: 10 } }]);
    for (const step of [0, 5, 10, 20]) {
      bus.setStep(step);
      bus.waterfall("labels", { real: 1, fake: 0 }, step);
    }
    expect(values).toEqual([1, 0.5, 0, 0]);
  });

  test("a trick that throws is named with the hook and the step", () => {
    const faulty = defineTrick({
      name: "@gan/x",
      options: z.object({}),
      setup: () => ({
        labels: () => {
          throw new Error("boom");
        },
      }),
    });
    const bus = busOf([faulty]);
    bus.setStep(12);
    let error: unknown;
    try {
      bus.waterfall("labels", { real: 1, fake: 0 }, 12);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TrickHookError);
    expect((error as Error).message).toBe("trick '@gan/x' failed in hook 'labels' at step 12: boom");
    expect(((error as Error).cause as Error).message).toBe("boom");
  });

  test("a waterfall hook that returns nothing is named", () => {
    const forgetful = defineTrick({ name: "forgetful", options: z.object({}), setup: () => ({ labels: (() => undefined) as never }) });
    expect(() => busOf([forgetful]).waterfall("labels", { real: 1, fake: 0 }, 0)).toThrow(
      "trick 'forgetful' failed in hook 'labels' at step 0: the hook returned undefined",
    );
  });

  test("setup errors and invalid options in a plan are named", () => {
    const failing = defineTrick({
      name: "fails-setup",
      options: z.object({}),
      setup: () => {
        throw new Error("no GPU for me");
      },
    });
    expect(() => busOf([failing])).toThrow("trick 'fails-setup' failed in hook 'setup': no GPU for me");
    const strict = defineTrick({ name: "strict", options: z.object({ n: z.number().int().min(1) }) });
    expect(() => busOf([strict], [], [{ n: 0 }])).toThrow("trick 'strict' has invalid options in the plan: n:");
  });

  test("tricks log scalars and warnings through the sinks", () => {
    const logged: [string, number][] = [];
    const warned: string[] = [];
    const logger = defineTrick({
      name: "logger",
      options: z.object({}),
      setup: ({ log, warn }) => ({
        labels: (labels) => {
          log("logger/value", 3);
          warn("careful");
          return labels;
        },
      }),
    });
    const plan = tinyRingPlan({ tricks: [useOf("logger")] });
    const bus = HookBus.create({
      plan,
      tricks: [logger],
      tf,
      rng: createRng(1),
      sinks: { log: (name, value) => void logged.push([name, value as number]), warn: (trick, message) => void warned.push(`${trick}: ${message}`) },
    });
    bus.waterfall("labels", { real: 1, fake: 0 }, 0);
    expect(logged).toEqual([["logger/value", 3]]);
    expect(warned).toEqual(["logger: careful"]);
  });

  test("trick state and random streams round-trip through saveStates/restoreStates", () => {
    function counter(): Trick {
      let count = 0;
      return defineTrick({
        name: "counter",
        options: z.object({}),
        setup: ({ random }) => ({
          afterGeneratorStep: () => {
            count += 1;
            random();
          },
          state: { save: () => ({ json: { count } }), restore: (saved) => void (count = (saved.json as { count: number }).count) },
          labels: (labels) => ({ ...labels, real: count + random() }),
        }),
      });
    }
    const first = busOf([counter()]);
    for (let i = 0; i < 3; i++) first.series("afterGeneratorStep", run);
    const saved = first.saveStates();
    const expected = first.waterfall("labels", { real: 1, fake: 0 }, 3).real;

    const second = busOf([counter()]);
    second.restoreStates(saved);
    expect(second.waterfall("labels", { real: 1, fake: 0 }, 3).real).toBe(expected);
    expect(saved[0]!.state).toEqual({ json: { count: 3 } });
  });

  test("randomNormal draws from the trick's stream: the same seed gives the same tensor", () => {
    const draws: number[][] = [];
    const noisy = defineTrick({
      name: "noisy",
      options: z.object({}),
      setup: ({ randomNormal }) => ({
        labels: (labels) => {
          const t = randomNormal([3], 0, 2);
          draws.push(Array.from(t.dataSync()));
          t.dispose();
          return labels;
        },
      }),
    });
    busOf([noisy]).waterfall("labels", { real: 1, fake: 0 }, 0);
    busOf([noisy]).waterfall("labels", { real: 1, fake: 0 }, 0);
    expect(draws[0]).toEqual(draws[1]);
    expect(draws[0]!.some((v) => v !== 0)).toBe(true);
  });
});
