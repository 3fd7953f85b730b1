/** What every benchmark writes beside its figures: the machine, and its section of RESULTS.md. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";

/** "Machine: <cpu>, N cores, ..., load average L at the end; Node V; <date>" */
export function machineLine(): string {
  const cpu = os.cpus();
  return (
    `Machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${os.platform()} ${os.arch()}, ` +
    `load average ${os.loadavg()[0]!.toFixed(1)} at the end; Node ${process.versions.node}; ${new Date().toISOString().slice(0, 10)}`
  );
}

/**
 * Replaces the section that starts with `## <title>` in bench/RESULTS.md (up to the next
 * `## `), or appends it; the other sections are left as they are.
 */
export function writeResultsSection(title: string, text: string, file: URL = new URL("./RESULTS.md", import.meta.url)): void {
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmark results\n\n";
  const start = current.indexOf(`## ${title}\n`);
  let next: string;
  if (start < 0) {
    next = `${current.trimEnd()}\n\n${text}`;
  } else {
    const end = current.indexOf("\n## ", start + 1);
    next = current.slice(0, start) + text.trimEnd() + "\n" + (end < 0 ? "" : current.slice(end));
  }
  writeFileSync(file, `${next.trimEnd()}\n`);
}
