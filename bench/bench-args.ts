/** What every benchmark script needs besides its workload: its command-line flags, and medians. */

const args = process.argv.slice(2);

/** The value after `--name` on the command line, if given. */
export function flag(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Whether `--name` is on the command line. */
export function hasFlag(name: string): boolean {
  return args.includes(name);
}

export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
