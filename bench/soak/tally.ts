/**
 * What the soak counts, read from Redis: progress while it runs, and at the end the full
 * account, from the stream itself (every START and DONE entry), the dead-letter stream, the
 * group's pending list and the organs' records.
 */
import type { Redis } from "ioredis";
import { DLQ, GROUP, RECORD_KEYS, STREAM } from "./keys.js";

export interface Progress {
  /** Start events whose DONE was handled. */
  readonly completed: number;
  readonly deadLettered: number;
  /** Handler runs, reruns included. */
  readonly runs: number;
}

export async function readProgress(redis: Redis): Promise<Progress> {
  const [completed, deadLettered, runs] = await Promise.all([
    redis.bitcount(RECORD_KEYS.seen("DONE")),
    redis.xlen(DLQ),
    redis.hvals(RECORD_KEYS.runs),
  ]);
  return { completed, deadLettered, runs: runs.reduce((sum, n) => sum + Number(n), 0) };
}

export interface Tally {
  readonly events: number;
  /** START entries in the stream, one per n expected. */
  readonly startEntries: number;
  /** START entries beyond one per n: the feeder sent one again after an error. */
  readonly duplicateStarts: number;
  /** DONE entries beyond one per start event: a DONE added twice for the same cause. */
  readonly duplicateEmissions: number;
  readonly runs: { readonly START: number; readonly DONE: number };
  /** Distinct start numbers whose START / DONE was handled at least once. */
  readonly handled: { readonly START: number; readonly DONE: number };
  readonly completed: number;
  /** Dead-letter entries, by reason (numbers and ids blanked, so alike reasons group). */
  readonly deadLettered: number;
  readonly deadLetterReasons: ReadonlyMap<string, number>;
  /** Start numbers neither completed nor dead-lettered. */
  readonly lost: readonly number[];
  /** Where each of the first lost chains got to. */
  readonly lostDetail: readonly string[];
  readonly pending: number;
  readonly runsByWorker: Readonly<Record<string, string>>;
}

const PAGE = 10_000;

export async function tally(redis: Redis, events: number): Promise<Tally> {
  const starts = new Uint8Array(events);
  const dones = new Uint8Array(events);
  await scan(redis, STREAM, (fields) => {
    const event = eventOf(fields);
    const n = event?.payload?.n;
    if (typeof n !== "number" || n < 0 || n >= events) return;
    if (event?.event_type === "START") starts[n] = Math.min(255, (starts[n] ?? 0) + 1);
    if (event?.event_type === "DONE") dones[n] = Math.min(255, (dones[n] ?? 0) + 1);
  });
  const deadLetterReasons = new Map<string, number>();
  const deadLetteredStarts = new Set<number>();
  let deadLettered = 0;
  await scan(redis, DLQ, (fields) => {
    deadLettered++;
    const reason = generic(fieldOf(fields, "reason") ?? "(no reason)");
    deadLetterReasons.set(reason, (deadLetterReasons.get(reason) ?? 0) + 1);
    const n = eventOf(fields)?.payload?.n;
    if (typeof n === "number") deadLetteredStarts.add(n);
  });

  const [doneBits, startBits, runs, runsByWorker, pendingSummary] = await Promise.all([
    redis.getBuffer(RECORD_KEYS.seen("DONE")),
    redis.getBuffer(RECORD_KEYS.seen("START")),
    redis.hgetall(RECORD_KEYS.runs),
    redis.hgetall(RECORD_KEYS.runsByWorker),
    redis.xpending(STREAM, GROUP) as Promise<[number, ...unknown[]]>,
  ]);
  const lost: number[] = [];
  let startEntries = 0;
  let duplicateStarts = 0;
  let duplicateEmissions = 0;
  let completed = 0;
  let startsHandled = 0;
  for (let n = 0; n < events; n++) {
    const s = starts[n] ?? 0;
    const d = dones[n] ?? 0;
    startEntries += s;
    duplicateStarts += Math.max(0, s - 1);
    duplicateEmissions += Math.max(0, d - 1);
    if (bit(startBits, n)) startsHandled++;
    if (bit(doneBits, n)) completed++;
    else if (!deadLetteredStarts.has(n)) lost.push(n);
  }
  const lostDetail = lost
    .slice(0, 10)
    .map(
      (n) =>
        `start ${n}: START entries ${starts[n] ?? 0}, START handled ${bit(startBits, n) ? "yes" : "no"}, DONE entries ${dones[n] ?? 0}, DONE handled no`,
    );
  return {
    events,
    startEntries,
    duplicateStarts,
    duplicateEmissions,
    runs: { START: Number(runs.START ?? 0), DONE: Number(runs.DONE ?? 0) },
    handled: { START: startsHandled, DONE: completed },
    completed,
    deadLettered,
    deadLetterReasons,
    lost,
    lostDetail,
    pending: Number(pendingSummary[0]),
    runsByWorker,
  };
}

interface WireEvent {
  event_type?: unknown;
  payload?: { n?: unknown };
}

async function scan(
  redis: Redis,
  key: string,
  visit: (fields: readonly string[]) => void,
): Promise<void> {
  let from = "-";
  for (;;) {
    const page = (await redis.xrange(key, from, "+", "COUNT", PAGE)) as [string, string[]][];
    for (const [, fields] of page) visit(fields);
    if (page.length < PAGE) return;
    from = `(${page[page.length - 1]?.[0]}`;
  }
}

function fieldOf(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function eventOf(fields: readonly string[]): WireEvent | undefined {
  const json = fieldOf(fields, "event");
  if (json === undefined || json === "") return undefined;
  try {
    return JSON.parse(json) as WireEvent;
  } catch {
    return undefined;
  }
}

function bit(bitmap: Buffer | null, n: number): boolean {
  if (bitmap === null) return false;
  const byte = bitmap[n >> 3] ?? 0;
  // Redis numbers bits from the most significant bit of each byte.
  return (byte & (0x80 >> (n & 7))) !== 0;
}

/** A reason with its numbers and ids blanked, so reasons alike count together. */
function generic(reason: string): string {
  return reason.replace(/\d+(-\d+)?/g, "#").replace(/consumer \S+/g, "consumer <name>");
}
