/**
 * Column kinds and how a cell is read as one. The pipeline works on any CSV, so it infers each
 * column's kind from the data: a column is numeric (or a date column) when most of its non-empty
 * cells are numbers (or dates). Cells that do not fit their column's kind are reported, not
 * guessed at.
 */

/** What a column holds. */
export type ColumnKind = "number" | "date" | "text";

/** A column's name (from the header row) and inferred kind. */
export type Column = { readonly name: string; readonly kind: ColumnKind };

/** A plain decimal number: optional sign, digits with an optional fraction, optional exponent. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** A calendar date in ISO 8601 form, `YYYY-MM-DD`. */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The number `cell` spells, or `undefined`. `"1,5"`, `"0x10"` and `"Infinity"` are not numbers. */
export function readNumber(cell: string): number | undefined {
  if (!NUMBER.test(cell)) return undefined;
  const value = Number(cell);
  return Number.isFinite(value) ? value : undefined;
}

/** `cell` when it is a real `YYYY-MM-DD` calendar date (so not `2024-02-30`), else `undefined`. */
export function readDate(cell: string): string | undefined {
  const match = DATE.exec(cell);
  if (match === null) return undefined;
  const [, y, m, d] = match as unknown as [string, string, string, string];
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) &&
    date.getUTCMonth() === Number(m) - 1 &&
    date.getUTCDate() === Number(d)
    ? cell
    : undefined;
}

/** Whether `cell` (already trimmed) is of `kind`. */
export function fitsKind(cell: string, kind: ColumnKind): boolean {
  if (kind === "number") return readNumber(cell) !== undefined;
  if (kind === "date") return readDate(cell) !== undefined;
  return true;
}

/**
 * Infers each column's kind from `rows` (rows with a different field count than the header are
 * ignored). A column with no non-empty cell is text.
 */
export function inferColumns(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): Column[] {
  return header.map((name, index) => {
    let filled = 0;
    let numbers = 0;
    let dates = 0;
    for (const row of rows) {
      if (row.length !== header.length) continue;
      const cell = (row[index] as string).trim();
      if (cell === "") continue;
      filled++;
      if (readNumber(cell) !== undefined) numbers++;
      else if (readDate(cell) !== undefined) dates++;
    }
    const kind: ColumnKind =
      filled > 0 && numbers * 2 > filled
        ? "number"
        : filled > 0 && dates * 2 > filled
          ? "date"
          : "text";
    return { name, kind };
  });
}
