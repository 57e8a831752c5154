/**
 * The file's summary: per-batch aggregates merged into one, and the text the demo prints.
 * Kept apart from the organ that prints it so it can be tested and reused on its own.
 */
import type { ColumnKind } from "./columns.js";
import type { ColumnAggregate, ColumnJSON, DataTransformed, DroppedRow } from "./events.js";

/** One column of the summary. */
export type ColumnSummary =
  | {
      readonly name: string;
      readonly kind: "number";
      readonly sum: number;
      readonly min: number | null;
      readonly max: number | null;
      /** `null` when no row was kept. */
      readonly mean: number | null;
    }
  | {
      readonly name: string;
      readonly kind: "date";
      readonly min: string | null;
      readonly max: string | null;
    }
  | {
      readonly name: string;
      readonly kind: "text";
      readonly distinct: number;
      /** The most common value (the first seen, on a tie) and how often it occurs; `null` when no row was kept. */
      readonly mostCommon: { readonly value: string; readonly count: number } | null;
    };

/** What an ETL run found in its file. */
export interface EtlSummary {
  /** The file as the user named it. */
  readonly source: string;
  /** Data rows in the file (the header and empty lines are not rows). */
  readonly rowsRead: number;
  readonly rowsKept: number;
  /** Rows cleaning dropped, in file order, each with its reason. */
  readonly dropped: readonly DroppedRow[];
  readonly columns: readonly ColumnSummary[];
}

/** How many dropped rows the printed summary lists before it says how many more there are. */
export const LISTED_DROPS = 20;

type Totals =
  | { kind: "number"; count: number; sum: number; min: number | null; max: number | null }
  | { kind: "date"; min: string | null; max: string | null }
  | { kind: "text"; values: Map<string, number> };

/** Merges the DATA_TRANSFORMED batches of one file, in any order. */
export class SummaryBuilder {
  readonly #seen = new Set<number>();
  #columns: readonly ColumnJSON[] = [];
  #totals: Totals[] = [];
  #rowsRead = 0;
  #rowsKept = 0;
  readonly #dropped: DroppedRow[] = [];
  #batches = 0;
  #source = "";

  /** Adds one batch. A batch already added is ignored, so a redelivery is not counted twice. */
  add(part: DataTransformed): void {
    if (this.#seen.has(part.batch)) return;
    if (this.#seen.size === 0) {
      this.#columns = part.columns;
      this.#totals = part.columns.map((column) => emptyTotals(column.kind));
      this.#batches = part.batches;
      this.#source = part.source;
    }
    this.#seen.add(part.batch);
    this.#rowsRead += part.rowsRead;
    this.#rowsKept += part.rowsKept;
    // A loop, not push(...dropped): a batch may drop more rows than a call takes arguments.
    for (const drop of part.dropped) this.#dropped.push(drop);
    part.aggregates.forEach((aggregate, i) => {
      const totals = this.#totals[i];
      if (totals !== undefined) mergeInto(totals, aggregate);
    });
  }

  /** Whether every batch of the file has been added. */
  get complete(): boolean {
    return this.#seen.size > 0 && this.#seen.size === this.#batches;
  }

  build(): EtlSummary {
    return {
      source: this.#source,
      rowsRead: this.#rowsRead,
      rowsKept: this.#rowsKept,
      dropped: [...this.#dropped].sort((a, b) => a.line - b.line),
      columns: this.#columns.map((column, i) =>
        summarise(column.name, this.#totals[i] as Totals, this.#rowsKept),
      ),
    };
  }
}

function emptyTotals(kind: ColumnKind): Totals {
  if (kind === "number") return { kind, count: 0, sum: 0, min: null, max: null };
  if (kind === "date") return { kind, min: null, max: null };
  return { kind, values: new Map() };
}

function mergeInto(totals: Totals, part: ColumnAggregate): void {
  if (totals.kind === "number" && part.kind === "number") {
    totals.count += part.count;
    totals.sum += part.sum;
    totals.min = lower(totals.min, part.min);
    totals.max = higher(totals.max, part.max);
  } else if (totals.kind === "date" && part.kind === "date") {
    totals.min = lower(totals.min, part.min);
    totals.max = higher(totals.max, part.max);
  } else if (totals.kind === "text" && part.kind === "text") {
    for (const [value, count] of part.values) {
      totals.values.set(value, (totals.values.get(value) ?? 0) + count);
    }
  }
}

function lower<T extends number | string>(a: T | null, b: T | null): T | null {
  return a === null ? b : b === null ? a : b < a ? b : a;
}

function higher<T extends number | string>(a: T | null, b: T | null): T | null {
  return a === null ? b : b === null ? a : b > a ? b : a;
}

function summarise(name: string, totals: Totals, kept: number): ColumnSummary {
  if (totals.kind === "number") {
    const { sum, min, max, count } = totals;
    return { name, kind: "number", sum, min, max, mean: count === 0 ? null : sum / count };
  }
  if (totals.kind === "date") return { name, kind: "date", min: totals.min, max: totals.max };
  let mostCommon: { value: string; count: number } | null = null;
  for (const [value, count] of totals.values) {
    if (mostCommon === null || count > mostCommon.count) mostCommon = { value, count };
  }
  return { name, kind: "text", distinct: kept === 0 ? 0 : totals.values.size, mostCommon };
}

/** The summary as the demo prints it, one string per line. */
export function formatSummary(summary: EtlSummary): string[] {
  const lines = [
    `ETL summary for ${summary.source}`,
    `Rows: ${summary.rowsRead} read, ${summary.rowsKept} kept, ${summary.dropped.length} dropped`,
  ];
  if (summary.dropped.length > 0) {
    lines.push("Dropped rows:");
    for (const { line, reason } of summary.dropped.slice(0, LISTED_DROPS)) {
      lines.push(`  line ${line}: ${reason}`);
    }
    const more = summary.dropped.length - LISTED_DROPS;
    if (more > 0) lines.push(`  ... and ${more} more`);
  }
  if (summary.columns.length > 0) {
    lines.push("Columns:");
    let width = 0;
    for (const column of summary.columns) width = Math.max(width, column.name.length);
    for (const column of summary.columns) {
      lines.push(`  ${column.name.padEnd(width)}  ${column.kind.padEnd(6)}  ${describe(column)}`);
    }
  }
  return lines;
}

function describe(column: ColumnSummary): string {
  if (column.kind === "number") {
    if (column.mean === null) return "no values";
    return `sum ${num(column.sum)}, min ${num(column.min)}, max ${num(column.max)}, mean ${num(column.mean)}`;
  }
  if (column.kind === "date") {
    return column.min === null ? "no values" : `${column.min} to ${column.max}`;
  }
  if (column.mostCommon === null) return "no values";
  const { value, count } = column.mostCommon;
  return count > 1
    ? `${column.distinct} distinct, most common ${JSON.stringify(value)} (${count})`
    : `${column.distinct} distinct, all different`;
}

/** A number rounded to 2 decimals for display, without trailing zeros. */
function num(value: number | null): string {
  if (value === null) return "-";
  return String(Math.round(value * 100) / 100);
}
