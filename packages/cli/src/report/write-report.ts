/**
 * Writes report.html into a run directory: at the end of `gan train`, after `gan eval`, and
 * on demand with `gan report`.
 */
import path from "node:path";
import { writeOutputFile } from "../files.js";
import { reportHtml } from "./html.js";
import { readRunData } from "./run-data.js";

export const REPORT_FILE = "report.html";

/** Renders the run's report and writes it (see writeOutputFile: a user may name any file with -o); returns its path. */
export function writeReport(runDir: string, file: string = path.join(runDir, REPORT_FILE)): string {
  const html = reportHtml(readRunData(runDir));
  writeOutputFile(file, html, "the report");
  return file;
}
