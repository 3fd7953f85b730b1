/** The terminal report of `gan doctor`: each finding, its evidence, and the tricks that address it. */
import type { Diagnosis } from "./diagnose.js";

export function formatDiagnosis(runLabel: string, diagnosis: Diagnosis): string {
  const lines: string[] = [];
  if (diagnosis.findings.length === 0) lines.push(`${runLabel}: no failure found`);
  else lines.push(`${runLabel}: ${diagnosis.findings.length} finding${diagnosis.findings.length === 1 ? "" : "s"}`);
  diagnosis.findings.forEach((finding, i) => {
    lines.push("", `${i + 1}. ${finding.title}`, "   evidence:");
    for (const line of finding.evidence) lines.push(`     - ${line}`);
    lines.push("   tricks:");
    const width = Math.max(...finding.tricks.map((trick) => trick.package.length));
    for (const trick of finding.tricks) lines.push(`     - ${trick.package.padEnd(width)}  ${trick.why}${trick.inSpec ? " (already in the spec: tune its options)" : ""}`);
    if (finding.advice) lines.push(`   also: ${finding.advice}`);
  });
  if (diagnosis.notes.length > 0) lines.push("", "not judged:", ...diagnosis.notes.map((note) => `  - ${note}`));
  return `${lines.join("\n")}\n`;
}
