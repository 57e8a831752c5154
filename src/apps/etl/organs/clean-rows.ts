/** RAW_DATA_LOADED -> DATA_CLEANED: keeps the rows that fit their columns and says why the rest do not. */
import { Event } from "../../../core/event.js";
import { Organ } from "../../../core/organ.js";
import { type ColumnKind, readDate, readNumber } from "../columns.js";
import type { DataCleanedEvent, DroppedRow, RawDataLoadedEvent } from "../events.js";

/** Cells longer than this are cut short in a drop reason, so one bad cell cannot flood the output. */
const SHOWN_CELL_CHARS = 40;

/**
 * Trims every cell and drops a row when it has the wrong number of fields, an empty cell, or a
 * cell that does not fit its column's kind. Only the first problem of a row is reported.
 */
export class CleanRows extends Organ<RawDataLoadedEvent> {
  readonly listensTo = ["RAW_DATA_LOADED"] as const;

  handle(event: RawDataLoadedEvent): DataCleanedEvent {
    const { source, batch, batches, columns, rows } = event.payload;
    const records: (string | number)[][] = [];
    const dropped: DroppedRow[] = [];
    for (const { line, cells } of rows) {
      if (cells.length !== columns.length) {
        dropped.push({ line, reason: `expected ${columns.length} fields, got ${cells.length}` });
        continue;
      }
      const record: (string | number)[] = [];
      let reason: string | undefined;
      for (let i = 0; i < columns.length && reason === undefined; i++) {
        const column = columns[i] as (typeof columns)[number];
        const cell = (cells[i] as string).trim();
        const value = cell === "" ? undefined : readCell(cell, column.kind);
        if (value === undefined) reason = problemWith(column.name, column.kind, cell);
        else record.push(value);
      }
      if (reason === undefined) records.push(record);
      else dropped.push({ line, reason });
    }
    return new Event("DATA_CLEANED", { source, batch, batches, columns, records, dropped });
  }
}

function readCell(cell: string, kind: ColumnKind): string | number | undefined {
  if (kind === "number") return readNumber(cell);
  if (kind === "date") return readDate(cell);
  return cell;
}

function problemWith(column: string, kind: ColumnKind, cell: string): string {
  if (cell === "") return `${column} is empty`;
  const shown = cell.length > SHOWN_CELL_CHARS ? `${cell.slice(0, SHOWN_CELL_CHARS - 3)}...` : cell;
  const expected = kind === "number" ? "a number" : "a date (YYYY-MM-DD)";
  return `${column} is not ${expected}: ${JSON.stringify(shown)}`;
}
