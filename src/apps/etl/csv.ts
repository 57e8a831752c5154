/**
 * A strict RFC 4180 CSV parser with no dependencies: comma-separated fields, double-quoted fields
 * that may hold commas, line breaks and `""` (an escaped quote), and LF, CRLF or CR line endings.
 * A quote anywhere else is an error naming its line and column, because guessing what a broken
 * file meant would silently change its data.
 */
import { CsvParseError } from "./errors.js";

/** One record: its fields and the line of the file it starts on (1-based). */
export interface CsvRecord {
  readonly line: number;
  readonly fields: readonly string[];
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/**
 * Splits `text` into records. A leading byte order mark is ignored, and so are empty lines
 * (a line holding only `""` is a record with one empty field). Throws {@link CsvParseError} for an
 * unterminated quoted field or a quote in the wrong place.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const length = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = i;

  while (i < length) {
    const code = text.charCodeAt(i);
    // An empty line is no record: skip its line break.
    if (code === LF || code === CR) {
      i += code === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      lineStart = i;
      continue;
    }
    const recordLine = line;
    const fields: string[] = [];
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        // A quoted field: runs to the next quote not followed by another quote.
        const startLine = line;
        const startColumn = i - lineStart + 1;
        let value = "";
        let from = i + 1;
        for (;;) {
          const close = text.indexOf('"', from);
          if (close === -1) {
            throw new CsvParseError(
              startLine,
              startColumn,
              "a quoted field is never closed (a closing double quote is missing)",
            );
          }
          const chunk = text.slice(from, close);
          value += chunk;
          ({ line, lineStart } = countBreaks(chunk, from, line, lineStart));
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            from = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        fields.push(value);
        const next = text.charCodeAt(i);
        if (i < length && next !== COMMA && next !== LF && next !== CR) {
          throw new CsvParseError(
            line,
            i - lineStart + 1,
            `unexpected ${describeChar(text, i)} after a closing quote (expected a comma or the end of the line)`,
          );
        }
      } else {
        // An unquoted field: runs to the next comma or line break and may not hold a quote.
        let end = i;
        while (end < length) {
          const c = text.charCodeAt(end);
          if (c === COMMA || c === LF || c === CR) break;
          if (c === QUOTE) {
            throw new CsvParseError(
              line,
              end - lineStart + 1,
              "a double quote inside an unquoted field (quote the whole field and double the quote)",
            );
          }
          end++;
        }
        fields.push(text.slice(i, end));
        i = end;
      }
      if (i >= length) break;
      const sep = text.charCodeAt(i);
      if (sep === COMMA) {
        i++;
        continue;
      }
      // A line break ends the record.
      i += sep === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      lineStart = i;
      break;
    }
    records.push({ line: recordLine, fields });
  }
  return records;
}

/** Advances the line counter over the line breaks inside a quoted field's `chunk`. */
function countBreaks(
  chunk: string,
  offset: number,
  line: number,
  lineStart: number,
): { line: number; lineStart: number } {
  for (let j = 0; j < chunk.length; j++) {
    const c = chunk.charCodeAt(j);
    if (c === LF || (c === CR && chunk.charCodeAt(j + 1) !== LF)) {
      line++;
      lineStart = offset + j + 1;
    }
  }
  return { line, lineStart };
}

function describeChar(text: string, index: number): string {
  const char = text[index] ?? "";
  return char.trim() === ""
    ? `whitespace (U+${char.charCodeAt(0).toString(16).padStart(4, "0")})`
    : `"${char}"`;
}
