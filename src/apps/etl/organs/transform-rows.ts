/** DATA_CLEANED -> DATA_TRANSFORMED: reduces a batch of records to per-column aggregates. */
import { Event } from "../../../core/event.js";
import { Organ } from "../../../core/organ.js";
import type { ColumnAggregate, DataCleanedEvent, DataTransformedEvent } from "../events.js";

/**
 * Sums, minimums and maximums of number columns, date ranges of date columns, and value counts
 * of text columns. Aggregates of different batches merge into the file's (see `summary.ts`).
 */
export class TransformRows extends Organ<DataCleanedEvent> {
  readonly listensTo = ["DATA_CLEANED"] as const;

  handle(event: DataCleanedEvent): DataTransformedEvent {
    const { source, batch, batches, columns, records, dropped } = event.payload;
    const aggregates = columns.map((column, i): ColumnAggregate => {
      if (column.kind === "number") {
        let sum = 0;
        let min: number | null = null;
        let max: number | null = null;
        for (const record of records) {
          const value = record[i] as number;
          sum += value;
          if (min === null || value < min) min = value;
          if (max === null || value > max) max = value;
        }
        return { kind: "number", count: records.length, sum, min, max };
      }
      if (column.kind === "date") {
        let min: string | null = null;
        let max: string | null = null;
        for (const record of records) {
          const value = record[i] as string;
          if (min === null || value < min) min = value;
          if (max === null || value > max) max = value;
        }
        return { kind: "date", count: records.length, min, max };
      }
      const counts = new Map<string, number>();
      for (const record of records) {
        const value = record[i] as string;
        counts.set(value, (counts.get(value) ?? 0) + 1);
      }
      return { kind: "text", count: records.length, values: [...counts] };
    });
    return new Event("DATA_TRANSFORMED", {
      source,
      batch,
      batches,
      columns,
      rowsRead: records.length + dropped.length,
      rowsKept: records.length,
      dropped,
      aggregates,
    });
  }
}
