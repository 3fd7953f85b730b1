import { z } from "@gan/core";
import { installedTricks, loadTrickModule } from "@gan/core/runtime";
import type { Command } from "../command.js";
import { parseCommandArgs } from "../command.js";
import { output } from "../io.js";

interface OptionRow {
  name: string;
  type: string;
  required: boolean;
  default: unknown;
  description?: string;
}

/** Options of a trick with their types and defaults, read from its zod schema via JSON Schema. */
function describeOptions(schema: z.ZodObject): OptionRow[] {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as {
    properties?: Record<string, { type?: string; enum?: unknown[]; default?: unknown; description?: string; anyOf?: { type?: string }[] }>;
    required?: string[];
  };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const type = property.enum
      ? property.enum.map((value) => JSON.stringify(value)).join(" | ")
      : (property.type ?? property.anyOf?.map((option) => option.type ?? "?").join(" | ") ?? "any");
    const row: OptionRow = { name, type, required: required.has(name), default: property.default };
    if (property.description) row.description = property.description;
    return row;
  });
}

export const command: Command = {
  name: "tricks",
  usage: "gan tricks [--format text|json] [--dir DIR]",
  async run(argv) {
    const { values } = parseCommandArgs("tricks", argv, { format: { type: "string", default: "text" }, dir: { type: "string" } }, { min: 0, max: 0 });
    const dir = values.dir ?? process.cwd();
    const rows = [];
    for (const info of installedTricks(dir)) {
      try {
        const trick = await loadTrickModule(info.name, dir);
        rows.push({ ...info, description: trick.description ?? info.description, options: describeOptions(trick.options) });
      } catch (error) {
        rows.push({ ...info, error: (error as Error).message, options: [] as OptionRow[] });
      }
    }
    if (values.format === "json") {
      output.out(`${JSON.stringify(rows.map(({ root: _root, ...row }) => row), null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      output.out(`no trick packages installed in ${dir} (a trick package has the keyword "gan-trick")\n`);
      return 0;
    }
    for (const row of rows) {
      output.out(`${row.name} ${row.version}${row.description ? `  ${row.description}` : ""}\n`);
      if ("error" in row) output.out(`  cannot be loaded: ${row.error}\n`);
      for (const option of row.options) {
        // An option without a default is either required or optional, in which case the trick derives it (gp's target).
        const fallback = option.default !== undefined ? `default ${JSON.stringify(option.default)}` : option.required ? "required" : "optional";
        output.out(`  ${option.name}: ${option.type} (${fallback})${option.description ? `  ${option.description}` : ""}\n`);
      }
    }
    return 0;
  },
};
