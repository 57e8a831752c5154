/**
 * A small RFC 4180 CSV reader: quoted fields may hold commas, doubled quotes and line breaks.
 * Yields each record with the line it starts on, or the reason it cannot be read, so a caller
 * can report a bad row and go on with the rest.
 */

export type CsvRecord =
  | { readonly line: number; readonly fields: string[] }
  | { readonly line: number; readonly error: string };

export function* readCsv(text: string): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const startIndex = i;
    const fields: string[] = [];
    let field = "";
    let error: string | undefined;
    for (;;) {
      const c = text[i];
      if (c === '"' && field === "") {
        const close = readQuoted(text, i + 1);
        if (close === null) {
          // Nothing after it can be trusted to be the same record: resume on the next line.
          error = "a quoted field is never closed";
          i = startIndex;
          line = start;
          break;
        }
        field = close.value;
        line += close.newlines;
        i = close.end;
        const next = text[i];
        if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
          error = `unexpected ${JSON.stringify(next)} after a closing quote`;
          break;
        }
        continue;
      }
      if (c === undefined || c === "\n" || c === "\r") {
        fields.push(field);
        if (c === "\r" && text[i + 1] === "\n") i++;
        if (c !== undefined) {
          i++;
          line++;
        }
        break;
      }
      if (c === ",") {
        fields.push(field);
        field = "";
      } else {
        field += c;
      }
      i++;
    }
    if (error !== undefined) {
      // Skip to the end of the physical line so the next record starts cleanly.
      while (i < text.length && text[i] !== "\n") i++;
      if (i < text.length) {
        i++;
        line++;
      }
      yield { line: start, error };
    } else if (!(fields.length === 1 && fields[0] === "")) {
      yield { line: start, fields };
    }
  }
}

function readQuoted(
  text: string,
  from: number,
): { value: string; end: number; newlines: number } | null {
  let value = "";
  let newlines = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') {
      if (text[i + 1] === '"') {
        value += '"';
        i++;
        continue;
      }
      return { value, end: i + 1, newlines };
    }
    if (c === "\n") newlines++;
    value += c;
  }
  return null;
}
