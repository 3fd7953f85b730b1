/** `gan doctor --try`'s report: per finding, a table of the control and each trick on the finding's measures, and the verdicts. */
import { formatCell } from "../../experiment/summarise.js";
import { displayPath } from "../../display-path.js";
import type { TriedVariant, TryReport } from "./try-tricks.js";

function cell(variant: TriedVariant, measure: string): string {
  const summary = variant.summary[measure] ?? null;
  return formatCell(measure, summary === null ? null : { ...summary, undefinedCount: variant.runs.length - summary.n });
}

/** Markdown: what try.md holds and what the terminal shows. */
export function formatTries(report: TryReport): string {
  const lines = [
    `Tried from ${displayPath(report.checkpoint.dir)} (step ${report.checkpoint.step}) with the spec ${report.spec}: ` +
      `${report.steps} steps a try, seed${report.seeds.length === 1 ? "" : "s"} ${report.seeds.join(", ")}; each try starts from the checkpoint's networks ` +
      `with fresh optimizers (gan train --init-from), the control with the spec unchanged. Mean ± standard error over seeds.`,
  ];
  for (const finding of report.findings) {
    const header = ["variant", ...finding.measures.map((m) => `${m.title} (${m.better} is better)`), "verdict"];
    lines.push("", `## ${finding.title}`, "", `| ${header.join(" | ")} |`, `|---|${finding.measures.map(() => "--:").join("|")}|---|`);
    for (const control of [finding.control, ...(finding.restartedControl ? [finding.restartedControl] : [])]) {
      lines.push(`| ${control.label} | ${finding.measures.map((m) => cell(control, m.name)).join(" | ")} | |`);
    }
    for (const trick of finding.tricks) {
      lines.push(`| ${trick.label}${trick.proposed ? "" : " (proposed for another finding)"} | ${finding.measures.map((m) => cell(trick, m.name)).join(" | ")} | ${trick.verdict.kind} |`);
    }
    lines.push("");
    for (const trick of finding.tricks) lines.push(`- ${trick.package}: ${trick.verdict.kind}: ${trick.verdict.evidence}`);
    if (finding.restartedControl) lines.push(`- a trick marked "D restarted" reshapes D: its tries start G from the checkpoint and D afresh, and are compared with the control restarted the same way`);
    const failed = [finding.control, ...(finding.restartedControl ? [finding.restartedControl] : []), ...finding.tricks].flatMap((variant) => variant.runs.filter((run) => run.error !== undefined).map((run) => `${variant.label}, seed ${run.seed}`));
    if (failed.length > 0) lines.push(`- failed tries (their logs are in ${displayPath(report.outDir)}/logs): ${[...new Set(failed)].join("; ")}`);
  }
  const helped = report.findings.flatMap((finding) => {
    const names = finding.tricks.filter((trick) => trick.verdict.kind === "helped").map((trick) => trick.package);
    return names.length > 0 ? [`${finding.kind}: ${names.join(", ")}`] : [];
  });
  lines.push("", helped.length > 0 ? `Helped on every seed: ${helped.join("; ")}.` : "No trick helped on every seed.");
  if (report.notTried.length > 0) lines.push("", "Not tried:", ...report.notTried.map((trick) => `- ${trick.package}: ${trick.reason}`));
  return `${lines.join("\n")}\n`;
}
