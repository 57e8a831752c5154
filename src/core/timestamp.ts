/**
 * Event timestamps: a `Date`, an ISO-8601 string with a UTC offset, or epoch milliseconds, all
 * reduced to epoch milliseconds. Python's `datetime.isoformat()` output
 * (`2024-01-15T10:30:45.123456+00:00`) is accepted; digits past milliseconds are dropped.
 */
import { describeValue } from "./errors.js";

/** What the Event constructor accepts as a timestamp. */
export type TimestampInput = Date | string | number;

// Date.UTC's range: ±8.64e15 ms around the epoch.
const MAX_MS = 8.64e15;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;

/** Epoch milliseconds for `input`, or an error message saying why it is not a timestamp. */
export function parseTimestamp(input: unknown): number | string {
  if (input instanceof Date) {
    const ms = input.getTime();
    return Number.isNaN(ms) ? "must be a valid Date, got an Invalid Date" : ms;
  }
  if (typeof input === "number") {
    return Number.isFinite(input) && Math.abs(input) <= MAX_MS
      ? Math.trunc(input)
      : `must be epoch milliseconds within the Date range, got ${describeValue(input)}`;
  }
  if (typeof input === "string") return parseIso(input);
  return `must be a Date, an ISO-8601 string or epoch milliseconds, got ${describeValue(input)}`;
}

function parseIso(text: string): number | string {
  const m = ISO.exec(text);
  if (m === null) {
    return `must be an ISO-8601 date-time with a UTC offset (for example 2024-01-15T10:30:45.123Z), got ${describeValue(text)}`;
  }
  const [, y, mo, d, h, mi, s = "0", frac = "", zone = "Z"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const ms = Number(frac.padEnd(3, "0").slice(0, 3));
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC rolls 2024-02-30 over to March: a round trip catches impossible fields.
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return `is not a real date-time: ${describeValue(text)}`;
  }
  return utc - offsetMs(zone);
}

function offsetMs(zone: string): number {
  if (zone === "Z" || zone === "z") return 0;
  const sign = zone[0] === "-" ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || "0");
  return sign * (hours * 60 + minutes) * 60_000;
}
