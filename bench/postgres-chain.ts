/**
 * NecroStack on PostgresBackend, built package: the 3-organ chain (A emits B emits C) end to end
 * (enqueue, claim, handle, delete + insert of the emitted event in one transaction), and its hop
 * latency under a steady load. Each task runs in its own process (see bench/lib/child.ts), on a
 * stream of its own that it drops afterwards.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import pg from "pg";
import type { Event as EventClass } from "../src/index.js";
import type * as PostgresEntry from "../src/postgres.js";
import { loadBuilt, loadBuiltEntry } from "./lib/built.js";
import { hopChain } from "./lib/hop-chain.js";
import { quantile } from "./lib/stats.js";

/** Start events enqueued per statement: the backend inserts up to 1,000 rows per INSERT. */
const ENQUEUE_CHUNK = 1_000;

function loadBuiltPostgres(): Promise<typeof PostgresEntry> {
  return loadBuiltEntry<typeof PostgresEntry>("postgres");
}

export interface PgChainArgs {
  readonly url: string;
  /** Start events; 3 events are handled per start. */
  readonly starts: number;
  readonly concurrency: number;
}

export interface PgChainResult {
  readonly handled: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

/** A stream name of its own: `bench_<32 hex>`. */
export function benchStream(): string {
  return `bench_${randomUUID().replaceAll("-", "")}`;
}

/**
 * Events handled per second, from the first enqueue of a start event to the moment C has
 * handled the last one, after an untimed warm-up run of a tenth of the size.
 */
export async function measurePostgresChain(args: PgChainArgs): Promise<PgChainResult> {
  await runChain({ ...args, starts: Math.max(1, Math.round(args.starts / 10)) });
  return runChain(args);
}

async function runChain(args: PgChainArgs): Promise<PgChainResult> {
  const pkg = await loadBuilt();
  const { PostgresBackend } = await loadBuiltPostgres();
  const stream = benchStream();
  const backend = new PostgresBackend({ url: args.url, stream, logger: false });
  const work = hopChain(pkg, args.starts);
  const spine = new pkg.Spine({
    organs: work.organs,
    backend,
    concurrency: args.concurrency,
    maxSteps: Number.POSITIVE_INFINITY,
    logger: false,
  });
  try {
    // The tables are created outside the timed span, as a long-running worker has them.
    await backend.enqueueMany([new pkg.Event("WARM", { n: -1, t: 0 })]);
    await dropRows(args.url, stream);
    const started = performance.now();
    for (let from = 0; from < args.starts; from += ENQUEUE_CHUNK) {
      const batch: EventClass[] = [];
      for (let n = from; n < Math.min(args.starts, from + ENQUEUE_CHUNK); n++) {
        batch.push(new pkg.Event("A", { n, t: 0 }));
      }
      await backend.enqueueMany(batch);
    }
    const run = spine.run(undefined, { until: "stopped" });
    await Promise.race([work.done, run]);
    const seconds = (performance.now() - started) / 1_000;
    spine.stop();
    const stats = await run;
    return {
      handled: stats.eventsProcessed,
      seconds,
      eventsPerSecond: stats.eventsProcessed / seconds,
    };
  } finally {
    spine.stop();
    await backend.close();
    await dropStream(args.url, stream);
  }
}

export interface PgLatencyArgs {
  readonly url: string;
  /** Events handled per second: start events are enqueued at a third of it. */
  readonly rate: number;
  readonly starts: number;
  readonly concurrency: number;
}

export interface PgLatencyResult {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
}

/**
 * Hop latency at a steady load: for every event, from the moment it was handed to the backend
 * (the producer's enqueue for A, from another backend as another process would; the emitting
 * handler's return for B and C) to the start of its handler. Every wake-up of the worker is a
 * NOTIFY or a poll. The first tenth of the samples is warm-up and not counted.
 */
export async function measurePostgresLatency(args: PgLatencyArgs): Promise<PgLatencyResult> {
  const pkg = await loadBuilt();
  const { PostgresBackend } = await loadBuiltPostgres();
  const stream = benchStream();
  const backend = new PostgresBackend({ url: args.url, stream, logger: false });
  // A producer of its own: the worker's own enqueues would wake it without a notification.
  const producer = new PostgresBackend({ url: args.url, stream, logger: false });
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
  await producer.enqueueMany([new pkg.Event("WARM", { n: -1, t: 0 })]);
  await dropRows(args.url, stream);
  const run = spine.run(undefined, { until: "stopped" });
  try {
    const perMs = args.rate / 3 / 1_000;
    const started = performance.now();
    let sent = 0;
    const pending: Promise<void>[] = [];
    while (sent < args.starts) {
      const due = Math.min(args.starts, Math.floor((performance.now() - started) * perMs) + 1);
      for (; sent < due; sent++) {
        pending.push(producer.enqueue(new pkg.Event("A", { n: sent, t: performance.now() })));
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
    await producer.close();
    await backend.close();
    await dropStream(args.url, stream);
  }
}

async function dropRows(url: string, stream: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DELETE FROM necrostack.${stream}`);
  } finally {
    await client.end();
  }
}

async function dropStream(url: string, stream: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS necrostack.${stream}, necrostack.${stream}_dead`);
    await client.query("DELETE FROM necrostack.migrations WHERE stream = $1", [stream]);
  } finally {
    await client.end();
  }
}
