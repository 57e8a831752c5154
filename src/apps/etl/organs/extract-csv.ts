/** ETL_START -> RAW_DATA_LOADED (one per batch of rows), or ETL_FAILED when the file is unusable. */
import { readFile } from "node:fs/promises";
import { Event } from "../../../core/event.js";
import { Organ } from "../../../core/organ.js";
import { inferColumns } from "../columns.js";
import { type CsvRecord, parseCsv } from "../csv.js";
import { CsvParseError } from "../errors.js";
import type {
  EtlFailedEvent,
  EtlStartEvent,
  RawDataLoaded,
  RawDataLoadedEvent,
} from "../events.js";

/**
 * The largest single row (as JSON) the pipeline carries. A row this size travels alone in its
 * batch; half the payload limit leaves room for the rest of each event built from it.
 */
export const MAX_ROW_BYTES = 512 * 1024;
/** What `{"line":…,"cells":…}` adds to a row's JSON, generously. */
const ROW_OVERHEAD_BYTES = 32;

/** Reads and parses the CSV file, infers its columns, and sends its rows on in batches. */
export class ExtractCsv extends Organ<EtlStartEvent> {
  readonly listensTo = ["ETL_START"] as const;

  async handle(event: EtlStartEvent): Promise<RawDataLoadedEvent[] | EtlFailedEvent> {
    const { file, source, batchBytes } = event.payload;
    const fail = (problem: string): EtlFailedEvent => new Event("ETL_FAILED", { source, problem });

    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      return fail(describeReadError(error));
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ERR_ENCODING_INVALID_ENCODED_DATA") {
        return fail("is not UTF-8 text; save the file as UTF-8 CSV");
      }
      // Past V8's longest string (about 512 MiB): one event-sized demo cannot read it whole.
      return fail(`is too large to read as one text: ${(error as Error).message}`);
    }
    let records: CsvRecord[];
    try {
      records = parseCsv(text);
    } catch (error) {
      if (error instanceof CsvParseError) return fail(`is not valid CSV: ${error.message}`);
      throw error;
    }
    const [head, ...rows] = records;
    if (head === undefined) return fail("is empty; expected a header row naming the columns");
    const headerProblem = checkHeader(head.fields);
    if (headerProblem !== undefined) return fail(`line ${head.line}: ${headerProblem}`);

    const header = head.fields.map((name) => name.trim());
    const columns = inferColumns(
      header,
      rows.map((row) => row.fields),
    );
    const batches: RawDataLoaded["rows"][number][][] = [[]];
    let size = 0;
    for (const row of rows) {
      const rowBytes = Buffer.byteLength(JSON.stringify(row.fields)) + ROW_OVERHEAD_BYTES;
      if (rowBytes > MAX_ROW_BYTES) {
        return fail(
          `line ${row.line}: the row is ${rowBytes} bytes, more than the ${MAX_ROW_BYTES} bytes one row may take`,
        );
      }
      let current = batches[batches.length - 1] as RawDataLoaded["rows"][number][];
      if (size + rowBytes > batchBytes && current.length > 0) {
        current = [];
        batches.push(current);
        size = 0;
      }
      current.push({ line: row.line, cells: row.fields });
      size += rowBytes;
    }
    return batches.map(
      (batch, i): RawDataLoadedEvent =>
        new Event("RAW_DATA_LOADED", {
          source,
          batch: i + 1,
          batches: batches.length,
          columns,
          rows: batch,
        }),
    );
  }
}

/** Why the header row cannot name columns, or `undefined` when it can. */
function checkHeader(fields: readonly string[]): string | undefined {
  const seen = new Map<string, number>();
  for (let i = 0; i < fields.length; i++) {
    const name = (fields[i] as string).trim();
    if (name === "") return `the header's column ${i + 1} has no name; every column needs one`;
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      return `the header names column "${name}" twice (columns ${earlier} and ${i + 1})`;
    }
    seen.set(name, i + 1);
  }
  return undefined;
}

function describeReadError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "is a directory, not a CSV file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  return `cannot be read: ${(error as Error).message}`;
}
