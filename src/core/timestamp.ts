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

/**
 * `new Date(ms).toISOString()`, which costs about as much as the rest of writing an event:
 * events made in the same millisecond share one string, so the last one is kept.
 */
export function isoTimestamp(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

// The last timestamp written or read, both ways: events made in the same millisecond are
// written, and read back, with the same text.
// Always a matching pair.
let lastMs = 0;
let lastIso = "1970-01-01T00:00:00.000Z";

function parseIso(text: string): number | string {
  if (text === lastIso) return lastMs;
  // Every timestamp NecroStack writes is toISOString()'s form: read digit by digit, skipping the
  // general parse below.
  const fast = parseIsoZ(text);
  if (fast !== undefined) {
    lastIso = text;
    lastMs = fast;
    return fast;
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

/** Days in each month of a common year; February gains one in leap years. */
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Where toISOString()'s form (`2024-01-15T10:30:45.123Z`) has its digits. */
const DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

/**
 * Epoch ms of a text in exactly toISOString()'s form with a real date and time, else undefined
 * (the general parse then reads it, or says what is wrong). Date.parse would roll 2024-02-30
 * over to March 1st and read hour 24 as the next day: the fields are checked, then counted.
 */
function parseIsoZ(text: string): number | undefined {
  if (
    text.length !== 24 ||
    text.charCodeAt(23) !== 90 /* Z */ ||
    text.charCodeAt(4) !== 45 /* - */ ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 /* T */ ||
    text.charCodeAt(13) !== 58 /* : */ ||
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 /* . */
  ) {
    return undefined;
  }
  for (const at of DIGITS) {
    const code = text.charCodeAt(at);
    if (code < 48 || code > 57) return undefined;
  }
  const year = number(text, 0, 4);
  const month = number(text, 5, 2);
  const day = number(text, 8, 2);
  const hour = number(text, 11, 2);
  const minute = number(text, 14, 2);
  const second = number(text, 17, 2);
  if (year < 1 || month < 1 || month > 12 || day < 1) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day > days || hour > 23 || minute > 59 || second > 59) return undefined;
  return (
    daysFromCivil(year, month, day) * 86_400_000 +
    hour * 3_600_000 +
    minute * 60_000 +
    second * 1_000 +
    number(text, 20, 3)
  );
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil): arithmetic only, cheaper than building a Date or parsing the text again.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** The decimal number in `text` at `from`, `length` digits long (already checked as digits). */
function number(text: string, from: number, length: number): number {
  let value = 0;
  for (let i = from; i < from + length; i++) value = value * 10 + text.charCodeAt(i) - 48;
  return value;
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
