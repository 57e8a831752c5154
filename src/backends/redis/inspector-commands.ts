/**
 * The Redis commands behind RedisInspector's reads, each bounded by a COUNT, and its script
 * runner. Replies are read with inspector-replies.ts.
 */
import type { Redis } from "ioredis";
import { InspectQueryError } from "../../core/inspect/errors.js";
import { decodeStored } from "../../core/inspect/event-row.js";
import {
  type GroupInfo,
  type GroupSummary,
  MAX_SCAN_COUNT,
  type PendingInfo,
  type ScanOptions,
} from "../../core/inspect/inspector.js";
import { readCount } from "../../core/inspect/scan-page.js";
import type { LuaScript } from "./client.js";
import { countOf, fieldsOf, rawEntries, storedEntry } from "./inspector-replies.js";

const ENTRY_ID = /^\d{1,20}-\d{1,20}$/;

/** `id` checked as a stream entry id; throws InspectQueryError naming `parameter`. */
export function checkCursor(parameter: string, id: string): string {
  if (!ENTRY_ID.test(id))
    throw new InspectQueryError(parameter, "a Redis stream entry id such as 1700000000000-0", id);
  return id;
}

/** XREVRANGE arguments of a scan page, newest first. */
export function rangeArgs(key: string, options: ScanOptions): (string | number)[] {
  const { before, count, sinceMs, untilMs } = options;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_SCAN_COUNT) {
    throw new InspectQueryError("count", `an integer from 1 to ${MAX_SCAN_COUNT}`, count);
  }
  let end = "+";
  if (untilMs !== undefined) end = String(Math.max(0, Math.floor(untilMs)));
  if (before !== undefined) {
    checkCursor("cursor", before);
    const beforeMs = Number(before.slice(0, before.indexOf("-")));
    if (untilMs === undefined || beforeMs <= untilMs) end = `(${before}`;
  }
  const start = sinceMs === undefined ? "-" : String(Math.max(0, Math.ceil(sinceMs)));
  return [key, end, start, "COUNT", readCount(count)];
}

/** XINFO STREAM as a map; empty for a stream that does not exist. */
export async function streamFields(redis: Redis, stream: string): Promise<Map<string, unknown>> {
  try {
    return fieldsOf(await redis.call("XINFO", ["STREAM", stream]));
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message)) return new Map();
    throw error;
  }
}

/** XINFO GROUPS, one map per group; none for a stream that does not exist. */
export async function groupReplies(redis: Redis, stream: string): Promise<Map<string, unknown>[]> {
  try {
    const reply = await redis.call("XINFO", ["GROUPS", stream]);
    return Array.isArray(reply) ? reply.map(fieldsOf) : [];
  } catch (error) {
    if (error instanceof Error && /no such key/i.test(error.message)) return [];
    throw error;
  }
}

export function groupSummary(group: Map<string, unknown>): GroupSummary {
  return {
    name: String(group.get("name")),
    consumers: countOf(group.get("consumers")) ?? 0,
    pending: countOf(group.get("pending")) ?? 0,
    lag: countOf(group.get("lag")),
  };
}

export async function describeGroup(
  redis: Redis,
  stream: string,
  group: Map<string, unknown>,
  consumers: number,
  oldest: number,
): Promise<GroupInfo> {
  const summary = groupSummary(group);
  const [consumerReply, pendingReply] = await Promise.all([
    redis.call("XINFO", ["CONSUMERS", stream, summary.name]),
    redis.call("XPENDING", [stream, summary.name, "-", "+", oldest]),
  ]);
  const consumerList = (Array.isArray(consumerReply) ? consumerReply : [])
    .slice(0, consumers)
    .map((reply) => {
      const fields = fieldsOf(reply);
      return {
        name: String(fields.get("name")),
        pending: countOf(fields.get("pending")) ?? 0,
        idleMs: countOf(fields.get("idle")),
      };
    });
  const pending = (Array.isArray(pendingReply) ? pendingReply : []) as [
    string,
    string,
    number,
    number,
  ][];
  // The event id of each: its entry, read by id (a few, pipelined).
  const entries = await Promise.all(pending.map(([id]) => redis.call("XRANGE", [stream, id, id])));
  const oldestPending: PendingInfo[] = pending.map(([id, consumer, idle, deliveries], i) => {
    const raw = rawEntries(entries[i])[0];
    const event = raw === undefined ? undefined : decodeStored(storedEntry(id, raw.fields));
    return {
      entryId: String(id),
      ...(event !== undefined && typeof event !== "string" ? { eventId: event.id } : {}),
      consumer: String(consumer),
      deliveries: Number(deliveries),
      idleMs: Number(idle),
    };
  });
  return {
    ...summary,
    lastDeliveredId:
      group.get("last-delivered-id") === undefined ? null : String(group.get("last-delivered-id")),
    consumerList,
    oldestPending,
  };
}

/** EVALSHA, falling back to EVAL when the server does not know the script. */
export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  const tail: (string | number)[] = [keys.length, ...keys];
  for (const arg of args) tail.push(arg);
  try {
    return await redis.call("EVALSHA", [script.sha, ...tail]);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
    return redis.call("EVAL", [script.source, ...tail]);
  }
}
