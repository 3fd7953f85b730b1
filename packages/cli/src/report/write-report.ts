/**
 * Writes report.html into a run directory: at the end of `gan train`, after `gan eval`, and
 * on demand with `gan report`.
 */
import path from "node:path";
import { UserError } from "@gan/core";
import { writeFileAtomic } from "../files.js";
import { reportHtml } from "./html.js";
import { readRunData } from "./run-data.js";

export const REPORT_FILE = "report.html";

/** Renders the run's report and writes it (through a temporary file and a rename); returns its path. */
export function writeReport(runDir: string, file: string = path.join(runDir, REPORT_FILE)): string {
  const html = reportHtml(readRunData(runDir));
  try {
    writeFileAtomic(file, html);
  } catch (error) {
    throw new UserError(`${file}: cannot write the report (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return file;
}
