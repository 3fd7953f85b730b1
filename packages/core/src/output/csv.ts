/** CSV of samples, one per line, for evaluation outside gan (pandas, R, a spreadsheet). */

/** The shortest decimal that reads back as the same float32 (0.1, not 0.10000000149011612). */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const target = Math.fround(value);
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return String(candidate);
  }
  return String(Number(target.toPrecision(9)));
}

/** Column names: x,y for 2-D samples, x,y,z for 3-D, v0,v1,... otherwise. */
export function csvHeader(dims: number): string[] {
  if (dims === 2) return ["x", "y"];
  if (dims === 3) return ["x", "y", "z"];
  return Array.from({ length: dims }, (_, i) => `v${i}`);
}

/** `points` (sample after sample, `dims` values each) as CSV with a header line; ends with a newline. */
export function toCsv(points: Float32Array, dims: number): string {
  if (!Number.isInteger(dims) || dims < 1) throw new Error(`CSV rows need at least one column, got ${dims}`);
  if (points.length % dims !== 0) throw new Error(`${points.length} values are not a whole number of rows of ${dims}`);
  const lines = [csvHeader(dims).join(",")];
  for (let i = 0; i < points.length; i += dims) {
    const row: string[] = [];
    for (let d = 0; d < dims; d++) row.push(formatFloat32(points[i + d]!));
    lines.push(row.join(","));
  }
  return lines.join("\n") + "\n";
}
