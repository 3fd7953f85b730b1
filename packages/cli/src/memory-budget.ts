/**
 * The memory a spec's training may take, which the compiler checks its estimate against
 * (estimateTrainingMemory in @gan/plan): `gan check --memory-budget SIZE`, else the
 * GAN_MEMORY_BUDGET environment variable (for every command that compiles a spec), else
 * 4 GiB, the most the wasm and blas backends can address (WebAssembly's 32-bit memory).
 */
import { UsageError, UserError } from "@gan/core";
import { memoryAdvice, overMemoryBudget, type Plan } from "@gan/plan";

export const MEMORY_BUDGET_ENV = "GAN_MEMORY_BUDGET";
export const DEFAULT_MEMORY_BUDGET = 4 * 1024 ** 3;

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1e3,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1e6,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1e9,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1e12,
};

/** "8GiB", "512 MiB", "8G" (binary), "8GB" (decimal), "1e9" (bytes) -> bytes; undefined when not a size. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (match === null) return undefined;
  const unit = UNITS[match[2]!.toLowerCase()];
  const bytes = unit === undefined ? Number.NaN : Number(match[1]) * unit;
  return Number.isFinite(bytes) && bytes > 0 ? Math.round(bytes) : undefined;
}

/** The budget in bytes: the flag's value when given, else the environment's, else the default. */
export function memoryBudget(command: string, flag: string | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const [text, source] = flag !== undefined ? [flag, "--memory-budget"] : [env[MEMORY_BUDGET_ENV], MEMORY_BUDGET_ENV];
  if (text === undefined || text === "") return DEFAULT_MEMORY_BUDGET;
  const bytes = parseByteSize(text);
  if (bytes === undefined) throw new UsageError(`gan ${command}: ${source} needs a size such as 8GiB or 512MiB, got '${text}'`);
  return bytes;
}

/**
 * A plan.json given to `gan train` gets the check the compiler gives a spec: one that does
 * not fit the budget is refused, naming the plan path of the layer or the batch to change.
 */
export function checkPlanMemory(plan: Plan, file: string, budget: number = memoryBudget("train", undefined)): void {
  const over = overMemoryBudget(plan, budget);
  if (over === undefined) return;
  const where = over.blame.kind === "layer" ? `networks.${over.blame.layer.network}.layers[${over.blame.layer.index}]` : "train.batch";
  throw new UserError(`${file}: ${over.summary}: ${memoryAdvice(over, where)}`);
}
