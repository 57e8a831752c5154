/**
 * Shared pieces of the Redis fault tests: an in-process worker (a Spine on a RedisBackend), a
 * logger that keeps its lines, a raw client to look at Redis directly, and bounded waits.
 */
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import type { Redis } from "ioredis";
import pino from "pino";
import type { Logger, Organ, SpineOptions, SpineStats } from "../../src/index.js";
import { Spine } from "../../src/index.js";
import { RedisBackend, type RedisBackendOptions } from "../../src/redis.js";

/** A stream key no other test uses. */
export function uniqueKey(prefix: string): string {
  return `${prefix}:${randomUUID()}`;
}

/** A pino logger whose lines are kept, parsed, in `lines`. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) {
        if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level: "debug", messageKey: "message" }, stream), lines };
}

export { rawClient } from "../helpers/private-redis.js";

export { observeFor, waitUntil } from "../helpers/wait.js";

/** A Spine on a RedisBackend, running until `stop()`. */
export interface Worker {
  readonly backend: RedisBackend;
  readonly spine: Spine;
  /** Stops the Spine, waits for its run, closes the backend; resolves the run's stats. */
  stop(): Promise<SpineStats>;
}

export function startWorker(
  organs: readonly Organ[],
  backendOptions: RedisBackendOptions,
  spineOptions: Partial<Omit<SpineOptions, "organs" | "backend">> = {},
): Worker {
  const backend = new RedisBackend({ logger: false, ...backendOptions });
  const spine = new Spine({
    logger: false,
    maxSteps: Number.POSITIVE_INFINITY,
    maxConsecutiveBackendFailures: 1_000,
    pollTimeoutMs: 200,
    ...spineOptions,
    organs,
    backend,
  });
  const run = spine.run();
  return {
    backend,
    spine,
    async stop() {
      spine.stop();
      try {
        return await run;
      } finally {
        await backend.close();
      }
    },
  };
}

/** Fields of a stream entry, as an object. */
export function fieldsOf(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}

/** Every entry of a stream, oldest first. */
export async function readStream(
  redis: Redis,
  key: string,
): Promise<{ id: string; fields: Record<string, string> }[]> {
  const entries = (await redis.xrange(key, "-", "+")) as [string, string[]][];
  return entries.map(([id, flat]) => ({ id, fields: fieldsOf(flat) }));
}

/** A pending entry of a group, as XPENDING's extended form lists it. */
export interface PendingEntry {
  readonly id: string;
  readonly consumer: string;
  readonly idleMs: number;
  readonly deliveries: number;
}

/** The group's first `count` pending entries, oldest first. */
export async function pendingEntries(
  redis: Redis,
  key: string,
  group: string,
  count = 100,
): Promise<PendingEntry[]> {
  const rows = (await redis.call("XPENDING", key, group, "-", "+", count)) as [
    string,
    string,
    number,
    number,
  ][];
  return rows.map(([id, consumer, idleMs, deliveries]) => ({
    id,
    consumer,
    idleMs: Number(idleMs),
    deliveries: Number(deliveries),
  }));
}

/** How many entries of the group are pending (delivered, not acked). */
export async function pendingCount(redis: Redis, key: string, group: string): Promise<number> {
  const summary = (await redis.call("XPENDING", key, group)) as [number, ...unknown[]];
  return Number(summary[0]);
}
