/**
 * NecroStack on RedisBackend, built package: the 3-organ chain (A emits B emits C) end to end
 * (enqueue, pull, handle, emit + ack in one atomic commit), its hop latency under a steady load,
 * and its memory over a long run. Each task runs in its own process (see bench/lib/child.ts).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import type * as RedisEntry from "../src/redis.js";
import { loadBuilt, loadBuiltEntry } from "./lib/built.js";
import { hopChain } from "./lib/hop-chain.js";
import { quantile } from "./lib/stats.js";
import { cpuPerEvent, readCpu } from "./redis-cpu.js";

function loadBuiltRedis(): Promise<typeof RedisEntry> {
  return loadBuiltEntry<typeof RedisEntry>("redis");
}

export interface ChainArgs {
  readonly url: string;
  /** Start events; 3 events are handled per start. */
  readonly starts: number;
  readonly concurrency: number;
}

export interface ChainResult {
  readonly handled: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** CPU time of redis-server and of this process per handled event, µs. */
  readonly redisUsPerEvent: number;
  readonly nodeUsPerEvent: number;
}

/**
 * Events handled per second, from the first enqueue of a start event to the moment C has
 * handled the last one, after an untimed warm-up run of a tenth of the size.
 */
export async function measureRedisChain(args: ChainArgs): Promise<ChainResult> {
  await runChain({ ...args, starts: Math.max(1, Math.round(args.starts / 10)) });
  return runChain(args);
}

async function runChain(args: ChainArgs): Promise<ChainResult> {
  const pkg = await loadBuilt();
  const { RedisBackend } = await loadBuiltRedis();
  const stream = `bench:necrostack:${randomUUID()}`;
  const backend = new RedisBackend({ redisUrl: args.url, streamKey: stream, logger: false });
  const work = hopChain(pkg, args.starts);
  const spine = new pkg.Spine({
    organs: work.organs,
    backend,
    concurrency: args.concurrency,
    maxSteps: Number.POSITIVE_INFINITY,
    logger: false,
  });
  const probe = new Redis(args.url);
  try {
    const cpu = await readCpu(probe);
    const started = performance.now();
    for (let from = 0; from < args.starts; from += 1_000) {
      const batch: Promise<void>[] = [];
      for (let n = from; n < Math.min(args.starts, from + 1_000); n++) {
        batch.push(backend.enqueue(new pkg.Event("A", { n, t: 0 })));
      }
      await Promise.all(batch);
    }
    const run = spine.run(undefined, { until: "stopped" });
    await Promise.race([work.done, run]);
    const seconds = (performance.now() - started) / 1_000;
    const after = await readCpu(probe);
    spine.stop();
    const stats = await run;
    return {
      handled: stats.eventsProcessed,
      seconds,
      eventsPerSecond: stats.eventsProcessed / seconds,
      ...cpuPerEvent(cpu, after, stats.eventsProcessed),
    };
  } finally {
    probe.disconnect();
    await backend.close();
    await dropStream(args.url, stream);
  }
}

export interface LatencyArgs {
  readonly url: string;
  /** Events handled per second: start events are enqueued at a third of it. */
  readonly rate: number;
  readonly starts: number;
  readonly concurrency: number;
}

export interface LatencyResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
}

/**
 * Hop latency at a steady load: for every event, from the moment it was handed to the backend
 * (the producer's enqueue for A; the emitting handler's return for B and C) to the start of its
 * handler. The first tenth of the samples is warm-up and not counted.
 */
export async function measureRedisLatency(args: LatencyArgs): Promise<LatencyResult> {
  const pkg = await loadBuilt();
  const { RedisBackend } = await loadBuiltRedis();
  const stream = `bench:necrostack:${randomUUID()}`;
  const backend = new RedisBackend({ redisUrl: args.url, streamKey: stream, logger: false });
  const samples = new Float64Array(args.starts * 3);
  let count = 0;
  const work = hopChain(pkg, args.starts, (event) => {
    samples[count++] = performance.now() - event.payload.t;
  });
  const spine = new pkg.Spine({
    organs: work.organs,
    backend,
    concurrency: args.concurrency,
    maxSteps: Number.POSITIVE_INFINITY,
    logger: false,
  });
  const run = spine.run(undefined, { until: "stopped" });
  try {
    const perMs = args.rate / 3 / 1_000;
    const started = performance.now();
    let sent = 0;
    const pending: Promise<void>[] = [];
    while (sent < args.starts) {
      const due = Math.min(args.starts, Math.floor((performance.now() - started) * perMs) + 1);
      for (; sent < due; sent++) {
        pending.push(backend.enqueue(new pkg.Event("A", { n: sent, t: performance.now() })));
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(pending);
    await Promise.race([work.done, run]);
    spine.stop();
    await run;
    const measured = samples.slice(Math.floor(count / 10), count).sort();
    return {
      p50Ms: quantile(measured, 0.5),
      p99Ms: quantile(measured, 0.99),
      samples: measured.length,
    };
  } finally {
    spine.stop();
    await run.catch(() => undefined);
    await backend.close();
    await dropStream(args.url, stream);
  }
}

export interface MemoryArgs {
  readonly url: string;
  readonly starts: number;
  readonly concurrency: number;
}

export interface MemoryResult {
  readonly handled: number;
  /** Heap after a full GC once a tenth of the run is done, and at its end. */
  readonly heapEarlyMB: number;
  readonly heapEndMB: number;
  readonly rssEarlyMB: number;
  readonly rssEndMB: number;
  readonly eventsPerSecond: number;
}

/**
 * A long run with the producer keeping a bounded backlog, so memory can only grow if something
 * is kept per event. Needs `--expose-gc`. The stream is trimmed (`maxLen`) well above the backlog
 * so Redis's memory stays small too.
 */
export async function measureRedisMemory(args: MemoryArgs): Promise<MemoryResult> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error("measureRedisMemory needs node --expose-gc");
  const pkg = await loadBuilt();
  const { RedisBackend } = await loadBuiltRedis();
  const stream = `bench:necrostack:${randomUUID()}`;
  const backend = new RedisBackend({
    redisUrl: args.url,
    streamKey: stream,
    logger: false,
    maxLen: 100_000,
  });
  const work = hopChain(pkg, args.starts);
  const spine = new pkg.Spine({
    organs: work.organs,
    backend,
    concurrency: args.concurrency,
    maxSteps: Number.POSITIVE_INFINITY,
    logger: false,
  });
  const run = spine.run(undefined, { until: "stopped" });
  const mb = (bytes: number): number => bytes / 1024 / 1024;
  let early: { heap: number; rss: number } | undefined;
  try {
    const started = performance.now();
    const backlog = 2_000;
    let sent = 0;
    while (sent < args.starts) {
      if (sent - work.completed() >= backlog) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      const batch: Promise<void>[] = [];
      const upTo = Math.min(args.starts, sent + 500);
      for (; sent < upTo; sent++)
        batch.push(backend.enqueue(new pkg.Event("A", { n: sent, t: 0 })));
      await Promise.all(batch);
      if (early === undefined && work.completed() >= args.starts / 10) {
        gc();
        early = { heap: process.memoryUsage().heapUsed, rss: process.memoryUsage().rss };
      }
    }
    await Promise.race([work.done, run]);
    const seconds = (performance.now() - started) / 1_000;
    spine.stop();
    const stats = await run;
    gc();
    const end = process.memoryUsage();
    early ??= { heap: end.heapUsed, rss: end.rss };
    return {
      handled: stats.eventsProcessed,
      heapEarlyMB: mb(early.heap),
      heapEndMB: mb(end.heapUsed),
      rssEarlyMB: mb(early.rss),
      rssEndMB: mb(end.rss),
      eventsPerSecond: stats.eventsProcessed / seconds,
    };
  } finally {
    spine.stop();
    await run.catch(() => undefined);
    await backend.close();
    await dropStream(args.url, stream);
  }
}

async function dropStream(url: string, stream: string): Promise<void> {
  const redis = new Redis(url);
  try {
    await redis.del(stream, `${stream}:dlq`);
  } finally {
    redis.disconnect();
  }
}
