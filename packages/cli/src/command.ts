/**
 * What every `gan` subcommand looks like, and the argument parsing they share.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "@gan/core";

export interface Command {
  name: string;
  /** The usage line(s) shown by `gan help NAME` and on a usage error. */
  usage: string;
  /** Runs the command; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Named so that declaration emit can write the return type of parseCommandArgs: the types
 * parseArgs' result is built from are not exported by @types/node ("cannot be named", TS4058).
 */
type ParsedCommandArgs<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** node:util parseArgs, with its errors turned into usage errors that name the command. */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
  positionals: { min: number; max: number },
): ParsedCommandArgs<O> {
  let parsed: ParsedCommandArgs<O>;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs messages are good ("Unknown option '--stpes'") but carry a trailing hint about "--"; keep the first sentence.
    const message = (error as Error).message.split(". ")[0]!.replace(/^Unknown option/, "unknown option");
    throw new UsageError(`gan ${command}: ${message}`);
  }
  const count = parsed.positionals.length;
  if (count < positionals.min) throw new UsageError(`gan ${command}: missing argument`);
  if (count > positionals.max) throw new UsageError(`gan ${command}: unexpected argument '${parsed.positionals[positionals.max]}'`);
  return parsed;
}

/** Parses a non-negative integer flag value, naming the flag when it is not one. */
export function integerFlag(command: string, flag: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new UsageError(`gan ${command}: --${flag} needs an integer of at least ${min}, got '${value}'`);
  }
  return Number(value);
}
