/**
 * The ETL demo's events and their payloads:
 * `ETL_START -> RAW_DATA_LOADED -> DATA_CLEANED -> DATA_TRANSFORMED`, or `ETL_START -> ETL_FAILED`
 * when the file cannot be used. A file is loaded in batches (each one event), so a file of any
 * size fits under the payload limit; every batch event says which batch it is of how many.
 */
import type { Event } from "../../core/event.js";
import type { Column } from "./columns.js";

/** A column as events carry it. */
export type ColumnJSON = Column;

/** A row that cleaning dropped, and why. `line` is the file line the row starts on. */
export type DroppedRow = { readonly line: number; readonly reason: string };

/** Which batch of a file an event is about. `batch` counts from 1. */
type BatchOf = { readonly source: string; readonly batch: number; readonly batches: number };

/** Starts a run: read `file` (an absolute path), shown to users as `source`. */
export type EtlStart = {
  readonly file: string;
  readonly source: string;
  /** The most bytes of row JSON one RAW_DATA_LOADED event carries. */
  readonly batchBytes: number;
};

/** A batch of rows as parsed: cells untouched, with the line each row starts on. */
export type RawDataLoaded = BatchOf & {
  readonly columns: readonly ColumnJSON[];
  readonly rows: readonly { readonly line: number; readonly cells: readonly string[] }[];
};

/** The batch's good rows, trimmed and typed (numbers as numbers), and the rows dropped. */
export type DataCleaned = BatchOf & {
  readonly columns: readonly ColumnJSON[];
  readonly records: readonly (readonly (string | number)[])[];
  readonly dropped: readonly DroppedRow[];
};

/** One column's aggregate over one batch's records. */
export type ColumnAggregate =
  | {
      readonly kind: "number";
      readonly count: number;
      readonly sum: number;
      readonly min: number | null;
      readonly max: number | null;
    }
  | {
      readonly kind: "date";
      readonly count: number;
      readonly min: string | null;
      readonly max: string | null;
    }
  | {
      readonly kind: "text";
      readonly count: number;
      /** `[value, occurrences]` in order of first appearance. */
      readonly values: readonly (readonly [string, number])[];
    };

/** The batch reduced to per-column aggregates, with its row counts and dropped rows. */
export type DataTransformed = BatchOf & {
  readonly columns: readonly ColumnJSON[];
  readonly rowsRead: number;
  readonly rowsKept: number;
  readonly dropped: readonly DroppedRow[];
  readonly aggregates: readonly ColumnAggregate[];
};

/** The file could not be used; `problem` says why. */
export type EtlFailed = { readonly source: string; readonly problem: string };

export type EtlStartEvent = Event<"ETL_START", EtlStart>;
export type RawDataLoadedEvent = Event<"RAW_DATA_LOADED", RawDataLoaded>;
export type DataCleanedEvent = Event<"DATA_CLEANED", DataCleaned>;
export type DataTransformedEvent = Event<"DATA_TRANSFORMED", DataTransformed>;
export type EtlFailedEvent = Event<"ETL_FAILED", EtlFailed>;
