/**
 * `data csv` files: a header line naming the columns, then one example a line, numbers in the
 * columns the spec names (other columns may hold anything). Read line by line, so only the
 * chosen columns' values are kept. Blank lines are passed over; every other problem names the
 * file, the line and the column.
 */
import { readInputLines } from "../input-file.js";
import { csvFields } from "./csv-fields.js";
import { DataError, DataOptionError, MAX_DATA_BYTES } from "./data-error.js";

/** The longest line a CSV may have. */
const MAX_CSV_LINE_BYTES = 1024 * 1024;

const csvError = (file: string, reason: string) => new DataError(file, reason);

function lines(file: string) {
  return readInputLines(file, { what: "CSV file", maxLineBytes: MAX_CSV_LINE_BYTES, error: csvError });
}

/** Where each of `columns` is in the header; a name the header lacks is a problem with the spec's option. */
function columnPositions(file: string, header: string[], columns: readonly string[]): number[] {
  return columns.map((name, i) => {
    const at = header.indexOf(name);
    if (at !== -1) return at;
    const near = header.find((other) => other.toLowerCase() === name.toLowerCase());
    throw new DataOptionError(
      file,
      `has no column '${name}'${near !== undefined ? `, did you mean '${near}'?` : `: its columns are ${header.map((other) => `'${other}'`).join(", ")}`}`,
      ["columns", i],
    );
  });
}

/** The header's fields, after checking the named columns are there. */
export async function readCsvHeader(file: string, columns: readonly string[]): Promise<string[]> {
  for await (const line of lines(file)) {
    if (line.tooLong) throw new DataError(file, `line 1 is longer than ${MAX_CSV_LINE_BYTES} bytes`);
    const header = csvFields(line.text);
    columnPositions(file, header, columns);
    return header;
  }
  throw new DataError(file, "is empty: a CSV file starts with a header line naming its columns");
}

/** The named columns of every row, row after row, as float32. */
export async function readCsvColumns(file: string, columns: readonly string[]): Promise<{ rows: number; values: Float32Array }> {
  let positions: number[] | undefined;
  let values = new Float32Array(1024);
  let filled = 0;
  let lineNumber = 0;
  for await (const line of lines(file)) {
    lineNumber++;
    if (line.tooLong) throw new DataError(file, `line ${lineNumber} is longer than ${MAX_CSV_LINE_BYTES} bytes`);
    if (positions === undefined) {
      positions = columnPositions(file, csvFields(line.text), columns);
      continue;
    }
    if (line.text.trim() === "") continue;
    const fields = csvFields(line.text);
    if (filled + columns.length > values.length) {
      if (values.length * 8 > MAX_DATA_BYTES) throw new DataError(file, `holds more values than a data set may hold in memory`);
      const grown = new Float32Array(values.length * 2);
      grown.set(values);
      values = grown;
    }
    for (const [i, at] of positions.entries()) {
      const text = fields[at];
      const value = text === undefined || text === "" ? Number.NaN : Number(text);
      if (!Number.isFinite(value)) {
        throw new DataError(file, `line ${lineNumber}, column '${columns[i]}': ${text === undefined ? "missing (the line has fewer fields than the header)" : `${JSON.stringify(text.slice(0, 100))} is not a finite number`}`);
      }
      values[filled++] = value;
    }
  }
  if (positions === undefined) throw new DataError(file, "is empty: a CSV file starts with a header line naming its columns");
  if (filled === 0) throw new DataError(file, "has a header but no rows");
  return { rows: filled / columns.length, values: values.slice(0, filled) };
}
