/**
 * The fields of one CSV line (RFC 4180): separated by commas, a field in double quotes may
 * hold commas, and "" inside quotes is one quote. Whitespace around an unquoted field is
 * trimmed. Used by the labels CSV of an images folder and by `data csv`.
 */
export function csvFields(line: string): string[] {
  const fields: string[] = [];
  let at = 0;
  const text = line.endsWith("\r") ? line.slice(0, -1) : line;
  for (;;) {
    while (text[at] === " " || text[at] === "\t") at++;
    if (text[at] === '"') {
      let value = "";
      at++;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote === -1) {
          value += text.slice(at);
          at = text.length;
          break;
        }
        value += text.slice(at, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          at = quote + 2;
        } else {
          at = quote + 1;
          break;
        }
      }
      fields.push(value);
      const comma = text.indexOf(",", at);
      if (comma === -1) return fields;
      at = comma + 1;
    } else {
      const comma = text.indexOf(",", at);
      fields.push((comma === -1 ? text.slice(at) : text.slice(at, comma)).trim());
      if (comma === -1) return fields;
      at = comma + 1;
    }
  }
}
