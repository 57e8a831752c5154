/**
 * The raw Redis ceilings for the Redis suite: the same 3-step chain (A emits B emits C) done by a
 * plain ioredis loop with no framework, in the stream layout NecroStack uses (one `event` field
 * holding the event's JSON). Each hop parses the entry and builds the next event's JSON with a
 * fresh UUID and timestamp, as any real consumer must.
 *
 * - batched: XREADGROUP COUNT n, then one pipeline with an XADD per emitted event and one XACK
 *   for the whole batch.
 * - one at a time: XREADGROUP COUNT 1, then one pipeline with that event's XADD and XACK: two
 *   round trips per event.
 *
 * Both count events handled (A, B and C: 3 per start event) from the first XADD of a start event
 * to the last XACK, the same span the NecroStack runs are timed over.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { quantile } from "./lib/stats.js";
import { cpuPerEvent, readCpu } from "./redis-cpu.js";

export interface RawArgs {
  readonly url: string;
  /** Start events; 3 events are handled per start. */
  readonly starts: number;
  /** Entries per XREADGROUP; 1 for the one-at-a-time loop. */
  readonly count: number;
}

export interface RawResult {
  readonly handled: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** CPU time of redis-server and of this process per handled event, µs. */
  readonly redisUsPerEvent: number;
  readonly nodeUsPerEvent: number;
}

const NEXT: Readonly<Record<string, string>> = { A: "B", B: "C" };
const GROUP = "bench";
const CONSUMER = "raw";

function eventJson(type: string, n: number, t?: number): string {
  return JSON.stringify({
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    event_type: type,
    payload: t === undefined ? { n } : { n, t },
  });
}

/**
 * Measures the raw loop described above on a fresh stream, after an untimed warm-up run of a
 * tenth of the size, and deletes the streams after.
 */
export async function measureRawChain(args: RawArgs): Promise<RawResult> {
  await runRawChain({ ...args, starts: Math.max(1, Math.round(args.starts / 10)) });
  return runRawChain(args);
}

async function runRawChain(args: RawArgs): Promise<RawResult> {
  const redis = new Redis(args.url);
  const reader = redis.duplicate();
  const stream = `bench:raw:${randomUUID()}`;
  try {
    await redis.xgroup("CREATE", stream, GROUP, "0", "MKSTREAM");
    const total = args.starts * 3;
    const cpu = await readCpu(redis);
    const started = performance.now();
    for (let from = 0; from < args.starts; from += 1_000) {
      const pipe = redis.pipeline();
      for (let n = from; n < Math.min(args.starts, from + 1_000); n++) {
        pipe.xadd(stream, "*", "event", eventJson("A", n));
      }
      await pipe.exec();
    }
    let handled = 0;
    while (handled < total) {
      const reply = (await reader.xreadgroup(
        "GROUP",
        GROUP,
        CONSUMER,
        "COUNT",
        args.count,
        "BLOCK",
        1_000,
        "STREAMS",
        stream,
        ">",
      )) as [string, [string, string[]][]][] | null;
      const entries = reply?.[0]?.[1];
      if (entries === undefined || entries.length === 0) continue;
      const pipe = redis.pipeline();
      const ids: string[] = [];
      for (const [id, fields] of entries) {
        const json = fields[fields.indexOf("event") + 1];
        const event = JSON.parse(json as string) as { event_type: string; payload: { n: number } };
        const next = NEXT[event.event_type];
        if (next !== undefined) pipe.xadd(stream, "*", "event", eventJson(next, event.payload.n));
        ids.push(id);
        handled++;
      }
      pipe.xack(stream, GROUP, ...ids);
      await pipe.exec();
    }
    const seconds = (performance.now() - started) / 1_000;
    return {
      handled,
      seconds,
      eventsPerSecond: handled / seconds,
      ...cpuPerEvent(cpu, await readCpu(redis), handled),
    };
  } finally {
    await redis.del(stream);
    reader.disconnect();
    redis.disconnect();
  }
}

/** Entries per XREADGROUP in the raw latency loop, as in the batched throughput loop. */
const RAW_LATENCY_BATCH = 64;

export interface RawLatencyArgs {
  readonly url: string;
  /** Events handled per second: start events are added at a third of it. */
  readonly rate: number;
  readonly starts: number;
}

export interface RawLatencyResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
}

/**
 * The raw batched loop's hop latency at a steady load, measured as the NecroStack run measures
 * it: from the XADD of an event (by the producer, or by the loop emitting it) to the moment the
 * loop starts handling it. The first tenth of the samples is warm-up and not counted. A floor
 * for NecroStack's figure on the same machine at the same moment.
 */
export async function measureRawLatency(args: RawLatencyArgs): Promise<RawLatencyResult> {
  const redis = new Redis(args.url);
  const reader = redis.duplicate();
  const producer = redis.duplicate();
  const stream = `bench:raw:${randomUUID()}`;
  const samples = new Float64Array(args.starts * 3);
  let count = 0;
  try {
    await redis.xgroup("CREATE", stream, GROUP, "0", "MKSTREAM");
    const produced = (async () => {
      const perMs = args.rate / 3 / 1_000;
      const started = performance.now();
      let sent = 0;
      while (sent < args.starts) {
        const due = Math.min(args.starts, Math.floor((performance.now() - started) * perMs) + 1);
        for (; sent < due; sent++) {
          void producer.xadd(stream, "*", "event", eventJson("A", sent, performance.now()));
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    while (count < args.starts * 3) {
      const reply = (await reader.xreadgroup(
        "GROUP",
        GROUP,
        CONSUMER,
        "COUNT",
        RAW_LATENCY_BATCH,
        "BLOCK",
        1_000,
        "STREAMS",
        stream,
        ">",
      )) as [string, [string, string[]][]][] | null;
      const entries = reply?.[0]?.[1];
      if (entries === undefined || entries.length === 0) continue;
      const pipe = redis.pipeline();
      const ids: string[] = [];
      for (const [id, fields] of entries) {
        const event = JSON.parse(fields[fields.indexOf("event") + 1] as string) as {
          event_type: string;
          payload: { n: number; t: number };
        };
        samples[count++] = performance.now() - event.payload.t;
        const next = NEXT[event.event_type];
        if (next !== undefined) {
          pipe.xadd(stream, "*", "event", eventJson(next, event.payload.n, performance.now()));
        }
        ids.push(id);
      }
      pipe.xack(stream, GROUP, ...ids);
      await pipe.exec();
    }
    await produced;
    const measured = samples.slice(Math.floor(count / 10), count).sort();
    return {
      p50Ms: quantile(measured, 0.5),
      p99Ms: quantile(measured, 0.99),
      samples: measured.length,
    };
  } finally {
    await redis.del(stream);
    producer.disconnect();
    reader.disconnect();
    redis.disconnect();
  }
}
