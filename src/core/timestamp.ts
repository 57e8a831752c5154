/**
 * Event timestamps: a `Date`, an ISO-8601 string with a UTC offset, or epoch milliseconds, all
 * reduced to epoch milliseconds. Python's `datetime.isoformat()` output
 * (`2024-01-15T10:30:45.123456+00:00`) is accepted; digits past milliseconds are dropped.
 */
import { describeValue } from "./errors.js";

/** What the Event constructor accepts as a timestamp. */
export type TimestampInput = Date | string | number;

// Years 1 to 9999: what ISO-8601's four-digit years and Python's datetime can both hold, so every
// accepted timestamp survives toJSON() and fromJSON() here and in NecroStack for Python.
const MIN_MS = new Date("0001-01-01T00:00:00Z").getTime();
const MAX_MS = new Date("9999-12-31T23:59:59.999Z").getTime();
const RANGE = "between years 1 and 9999 (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z)";

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)$/;

/** Epoch milliseconds for `input`, or an error message saying why it is not a timestamp. */
export function parseTimestamp(input: unknown): number | string {
  if (input instanceof Date) {
    const ms = input.getTime();
    if (Number.isNaN(ms)) return "must be a valid Date, got an Invalid Date";
    return inRange(ms) ? ms : `must be ${RANGE}, got ${input.toISOString()}`;
  }
  if (typeof input === "number") {
    return Number.isFinite(input) && inRange(Math.trunc(input))
      ? Math.trunc(input)
      : `must be epoch milliseconds ${RANGE}, got ${describeValue(input)}`;
  }
  if (typeof input === "string") {
    const ms = parseIso(input);
    return typeof ms === "string" || inRange(ms)
      ? ms
      : `must be ${RANGE}, got ${describeValue(input)}`;
  }
  return `must be a Date, an ISO-8601 string or epoch milliseconds, got ${describeValue(input)}`;
}

function inRange(ms: number): boolean {
  return ms >= MIN_MS && ms <= MAX_MS;
}

function parseIso(text: string): number | string {
  // Every timestamp NecroStack writes is toISOString()'s form: take it whole when it reads back
  // exactly (Date.parse alone rolls 2024-02-30 over to March), and skip the general parse.
  if (text.length === 24 && text.charCodeAt(23) === 90 /* Z */) {
    const ms = Date.parse(text);
    // NaN fails the range check.
    if (inRange(ms) && new Date(ms).toISOString() === text) return ms;
  }
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
  // Not Date.UTC: it reads years 0 to 99 as 1900 to 1999.
  const check = new Date(0);
  check.setUTCFullYear(year, month - 1, day);
  check.setUTCHours(hour, minute, second, ms);
  const utc = check.getTime();
  // Dates roll 2024-02-30 over to March: reading the fields back catches impossible ones.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    !validOffset(zone)
  ) {
    return `is not a real date-time: ${describeValue(text)}`;
  }
  return utc - offsetMs(zone);
}

function validOffset(zone: string): boolean {
  if (zone.length < 3) return true;
  const digits = zone.slice(1).replace(":", "");
  return Number(digits.slice(0, 2)) <= 23 && Number(digits.slice(2) || "0") <= 59;
}

function offsetMs(zone: string): number {
  if (zone === "Z" || zone === "z") return 0;
  const sign = zone[0] === "-" ? -1 : 1;
  const digits = zone.slice(1).replace(":", "");
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || "0");
  return sign * (hours * 60 + minutes) * 60_000;
}
