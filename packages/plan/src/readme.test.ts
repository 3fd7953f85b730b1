/**
 * The README's example plan is valid, and its code example runs and prints what its
 * comments say, so the documentation cannot drift from the code.
 */
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as api from "./index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

function block(language: string): string {
  const match = new RegExp("```" + language + "\\n([\\s\\S]*?)```").exec(readme);
  if (!match) throw new Error(`README.md has no \`\`\`${language} block`);
  return match[1]!;
}

describe("README.md", () => {
  const planText = block("json");

  it("shows a valid plan", () => {
    const result = api.validatePlan(JSON.parse(planText));
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it("has a code example that runs and prints what its comments say", () => {
    const source = block("ts");
    const expected = source
      .split("\n")
      .filter((line) => line.trimStart().startsWith("console.log("))
      .map((line) => line.slice(line.indexOf("// ") + 3));

    const printed: string[] = [];
    const fakeConsole = {
      log: (...values: unknown[]) => printed.push(values.map((v) => (typeof v === "string" ? v : inspect(v))).join(" ")),
      error: (...values: unknown[]) => printed.push(`error: ${values.join(" ")}`),
    };
    const fakeProcess = { exit: (code: number) => { throw new Error(`the example exited with ${code}: ${printed.join("\n")}`); } };
    const modules: Record<string, unknown> = {
      "@gan/plan": api,
      "node:fs": {
        readFileSync(path: string) {
          if (path !== "ring8.plan.json") throw new Error(`the example reads ${path}`);
          return planText;
        },
      },
    };
    const require = (name: string) => {
      if (!(name in modules)) throw new Error(`the example imports ${name}`);
      return modules[name];
    };

    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
    new Function("require", "exports", "console", "process", js)(require, {}, fakeConsole, fakeProcess);

    expect(expected.length).toBe(7);
    expect(printed).toEqual(expected);
  });
});
