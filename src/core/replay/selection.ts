/**
 * Which events a replay takes: a range given as times or entry ids, event types, one chain's
 * correlation id. Parsed once, checked with clear errors; the type and chain tests run on the
 * stored text before any entry is decoded.
 */
import { HEADER } from "../headers.js";
import { InspectQueryError } from "../inspect/errors.js";
import type { ValidEventRow } from "../inspect/event-row.js";
import type { HistoryRange } from "./history.js";
import { isEntryId } from "./history.js";

/** A range bound: an ISO-8601 time, a `Date`, epoch ms, or an entry id (`1700000000000-0`, `42`). */
export type RangeBound = string | number | Date;

/** What a replay selects. */
export interface Selection {
  /** From this time or entry id (inclusive). */
  readonly since?: RangeBound | undefined;
  /** Up to this time or entry id (inclusive). */
  readonly until?: RangeBound | undefined;
  /** Only events of these types. */
  readonly types?: readonly string[] | undefined;
  /** Only events of this chain: the event with this id and those carrying it as `correlation-id`. */
  readonly correlationId?: string | undefined;
}

/** A selection checked and ready to apply. */
export interface CompiledSelection {
  readonly range: HistoryRange;
  /** Whether the stored event text may hold a selected event (a cheap test before decoding). */
  mayMatch(wire: string, headers: string): boolean;
  /** Whether the decoded event is selected. */
  matches(event: Pick<ValidEventRow, "id" | "eventType" | "headers">): boolean;
  /** Whether it selects a contiguous range only (no type or chain filter). */
  readonly contiguous: boolean;
}

/** Checks `selection` and compiles it. Throws InspectQueryError naming the bad part. */
export function compileSelection(selection: Selection): CompiledSelection {
  const since = bound("since", selection.since);
  const until = bound("until", selection.until);
  if (since?.ms !== undefined && until?.ms !== undefined && since.ms > until.ms) {
    throw new InspectQueryError(
      "until",
      `a time at or after since (${new Date(since.ms).toISOString()})`,
      selection.until,
    );
  }
  const types = selection.types?.map((type, i) => {
    if (typeof type !== "string" || type.trim() === "") {
      throw new InspectQueryError(`types[${i}]`, "a non-empty event type", type);
    }
    return type.trim();
  });
  const typeSet = types !== undefined && types.length > 0 ? new Set(types) : undefined;
  const quoted =
    typeSet === undefined ? undefined : [...typeSet].map((type) => JSON.stringify(type));
  const chain = selection.correlationId;
  if (chain !== undefined && (typeof chain !== "string" || chain.trim() === "")) {
    throw new InspectQueryError("correlationId", "a non-empty event id", chain);
  }
  return {
    range: {
      sinceMs: since?.ms,
      untilMs: until?.ms,
      sinceId: since?.id,
      untilId: until?.id,
    },
    contiguous: typeSet === undefined && chain === undefined,
    mayMatch: (wire, headers) =>
      (quoted === undefined || quoted.some((q) => wire.includes(q))) &&
      (chain === undefined || headers.includes(chain) || wire.includes(chain)),
    matches: (event) =>
      (typeSet === undefined || typeSet.has(event.eventType)) &&
      (chain === undefined || event.id === chain || event.headers[HEADER.CORRELATION_ID] === chain),
  };
}

function bound(
  parameter: string,
  value: RangeBound | undefined,
): { ms?: number; id?: string } | undefined {
  if (value === undefined) return undefined;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime()))
      throw new InspectQueryError(parameter, "a valid Date", value);
    return { ms: value.getTime() };
  }
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InspectQueryError(parameter, "epoch ms (a non-negative integer)", value);
    }
    return { ms: value };
  }
  if (typeof value === "string") {
    const text = value.trim();
    if (isEntryId(text)) return { id: text };
    // A date with a time and an offset (or Z), or a plain date (midnight UTC).
    if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(text)) {
      const ms = Date.parse(text);
      if (!Number.isNaN(ms)) return { ms };
    }
  }
  throw new InspectQueryError(
    parameter,
    "an ISO-8601 time with its offset (2026-11-28T09:00:00Z), a date, or an entry id (1700000000000-0 on Redis, a seq such as 42 on PostgreSQL)",
    value,
  );
}
