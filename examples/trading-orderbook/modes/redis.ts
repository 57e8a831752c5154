/**
 * `--backend redis [--workers N]`: the same organs on Redis Streams, partitioned by symbol.
 *
 * An order book is state in one process, and it must see the orders of its symbol one at a time,
 * in the order they were sent. Several consumers in one consumer group would break that: the
 * group hands consecutive entries to different consumers. So each worker owns a partition: a
 * stream of its own (`<prefix>:p<i>`), read by that worker alone, holding every event of the
 * symbols assigned to it. Orders of one symbol therefore flow through one stream and one
 * consumer, in stream order; symbols on different partitions run in parallel.
 *
 * A worker keeps up to 64 events in flight, and the book still sees its orders in stream order:
 * every organ on the order path is synchronous, so an order is matched the moment it is pulled,
 * and pulls come in stream order; only the commits of the results overlap (and settlements
 * wait). If a commit fails and the order is delivered again, the matching engine returns the
 * events it made the first time instead of matching it again.
 * Positions are kept per trader per symbol, so the risk manager needs no cross-partition state.
 *
 * Workers here run in this process, each with its own connections and its own organs, sharing
 * nothing but Redis. Failed settlements are left unacked ("nack"): Redis redelivers them and,
 * after `maxRetries` deliveries, moves them to the partition's dead-letter stream.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { type Event, maskUrl, type SpineStats } from "necrostack";
import { RedisBackend } from "necrostack/redis";
import type { CliOptions } from "../cli-options.js";
import { demoEvents } from "../inputs/demo-orders.js";
import { loadOrderEvents } from "../inputs/order-file.js";
import { randomOrders } from "../inputs/random-orders.js";
import { formatSkippedRows, formatSummary } from "../report.js";
import { LISTED_SYMBOLS } from "../symbols.js";
import { createTradingSystem, type TradingSummary, type TradingSystem } from "../trading-system.js";
import { DEMO_CLEARING_HOUSE, DEMO_SEED } from "./demo-settings.js";

/** Idle time before Redis redelivers a failed settlement; short, so the demo's dead letters show quickly. */
const REDELIVER_AFTER_MS = 300;
/** Orders put on the streams at once. */
const ENQUEUE_CHUNK = 500;
/** How long the run may take before it gives up waiting for every order and trade to resolve. */
const RUN_TIMEOUT_MS = 120_000;

interface Worker {
  readonly index: number;
  readonly backend: RedisBackend;
  readonly system: TradingSystem;
  readonly run: Promise<SpineStats>;
}

export async function runRedis(
  cli: CliOptions,
  print: (line: string) => void,
): Promise<TradingSummary> {
  const { events, title } = await inputs(cli, print);
  const demo = cli.mode === "demo";
  const prefix = `${cli.stream}:${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
  const seed = cli.seed ?? (demo ? DEMO_SEED : 1);
  if (!cli.json)
    print(
      `${title}: ${countOrders(events)} orders on Redis (${prefix}), ${cli.workers} workers partitioned by symbol\n`,
    );
  const workers: Worker[] = [];
  try {
    for (let index = 0; index < cli.workers; index++) {
      const backend = new RedisBackend({
        redisUrl: cli.redisUrl,
        streamKey: `${prefix}:p${index}`,
        consumerGroup: "matchers",
        consumerName: `worker-${index}`,
        claimMinIdleMs: REDELIVER_AFTER_MS,
        claimIntervalMs: 100,
        maxRetries: 3,
        logger: false,
      });
      const health = await backend.health();
      if (!health.healthy) {
        await backend.close();
        throw new Error(
          `Redis is not reachable at ${maskUrl(cli.redisUrl)}: ${health.details.error}`,
        );
      }
      const system = createTradingSystem({
        backend,
        atLeastOnce: true,
        latency: cli.latency,
        seed,
        // Order still holds with events in flight: see the module comment.
        concurrency: 64,
        ...(demo ? { clearingHouse: DEMO_CLEARING_HOUSE } : {}),
      });
      workers.push({
        index,
        backend,
        system,
        run: system.spine.run(undefined, { until: "stopped" }),
      });
    }
    const started = performance.now();
    // Issued in order on each partition's connection, a chunk at a time: Redis appends them in
    // that order, so each stream holds its symbols' orders as they were sent.
    const partitioner = new Partitioner(workers.length);
    for (let i = 0; i < events.length; i += ENQUEUE_CHUNK) {
      await Promise.all(
        events.slice(i, i + ENQUEUE_CHUNK).map((event) => {
          const worker = workers[partitioner.of(event)] as Worker;
          return worker.backend.enqueue(event);
        }),
      );
    }
    await allResolved(workers, countOrders(events));
    const seconds = (performance.now() - started) / 1000;
    for (const worker of workers) worker.system.spine.stop();
    const stats = await Promise.all(workers.map((w) => w.run));
    const summaries: TradingSummary[] = [];
    for (const [i, worker] of workers.entries()) {
      const health = await worker.backend.health();
      summaries.push(worker.system.summary(stats[i] as SpineStats, health.details.dlqLength ?? 0));
    }
    const summary = mergeSummaries(summaries);
    if (cli.json) {
      print(JSON.stringify({ summary, orders: countOrders(events), seconds, workers: summaries }));
    } else {
      summaries.forEach((s, i) => {
        print(
          `  worker ${i}: ${symbolsOf(i, workers.length).join(", ") || "(no listed symbols)"}: ${s.orders.submitted} orders, ${s.trades.executed} trades, ${s.trades.deadLettered} dead-lettered`,
        );
      });
      print(`\n${formatSummary(summary)}`);
      print(
        `\n  ${Math.round(countOrders(events) / seconds).toLocaleString("en-US")} orders/s over ${seconds.toFixed(3)} s`,
      );
    }
    return summary;
  } finally {
    for (const worker of workers) worker.system.spine.stop();
    await Promise.allSettled(workers.map((w) => w.run));
    await Promise.all(workers.map((w) => w.backend.close()));
    // Only workers that connected made keys.
    await removeKeys(cli.redisUrl, prefix, workers.length);
  }
}

/**
 * Deals events to partitions: symbols in the listed order, round-robin over the workers (other
 * symbols by a hash). A cancel names only an order id, so it goes where its order went.
 */
export class Partitioner {
  readonly partitions: number;
  readonly #orders = new Map<string, number>();

  constructor(partitions: number) {
    this.partitions = partitions;
  }

  of(event: Event): number {
    const { symbol, orderId } = event.payload;
    if (typeof symbol === "string") {
      const partition = partitionOfSymbol(symbol, this.partitions);
      if (event.eventType === "ORDER_SUBMITTED") this.#orders.set(String(orderId), partition);
      return partition;
    }
    return this.#orders.get(String(orderId)) ?? hash(String(orderId)) % this.partitions;
  }
}

function partitionOfSymbol(symbol: string, partitions: number): number {
  const listed = Object.keys(LISTED_SYMBOLS).indexOf(symbol);
  return (listed === -1 ? hash(symbol) : listed) % partitions;
}

function symbolsOf(index: number, partitions: number): string[] {
  return Object.keys(LISTED_SYMBOLS).filter((s) => partitionOfSymbol(s, partitions) === index);
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h;
}

async function inputs(
  cli: CliOptions,
  print: (line: string) => void,
): Promise<{ events: Event[]; title: string }> {
  let events: Event[];
  let title: string;
  if (cli.mode === "file") {
    const loaded = await loadOrderEvents(cli.file as string);
    if (!cli.json)
      for (const line of formatSkippedRows(cli.file as string, loaded.problems)) print(line);
    events = loaded.events;
    title = `Orders from ${cli.file}`;
  } else if (cli.mode === "stress") {
    events = randomOrders(cli.orders, cli.seed ?? 1);
    title = "Stress test";
  } else {
    events = demoEvents();
    title = "Demo";
  }
  return { events, title };
}

function countOrders(events: readonly Event[]): number {
  return events.filter((e) => e.eventType === "ORDER_SUBMITTED").length;
}

/** Resolves once every order has its outcome and every trade its end, on every partition. */
async function allResolved(workers: readonly Worker[], orders: number): Promise<void> {
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  for (;;) {
    let outcomes = 0;
    let unresolved = 0;
    for (const worker of workers) {
      const health = await worker.backend.health();
      const s = worker.system.summary(
        { eventsProcessed: 0, eventsEmitted: 0 },
        health.details.dlqLength ?? 0,
      );
      outcomes += s.orders.submitted - s.orders.unaccounted;
      unresolved += s.trades.unresolved;
      if ((health.details.pending ?? 1) !== 0 || (health.details.lag ?? 0) !== 0) unresolved++;
    }
    if (outcomes >= orders && unresolved === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `Gave up after ${RUN_TIMEOUT_MS} ms: ${outcomes} of ${orders} orders have an outcome, ${unresolved} trades or entries unresolved`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Adds up the partitions' summaries; the checks are recomputed over the totals. */
export function mergeSummaries(parts: readonly TradingSummary[]): TradingSummary {
  const sum = <T extends Record<string, number | boolean>>(pick: (s: TradingSummary) => T): T => {
    const out: Record<string, number | boolean> = {};
    for (const part of parts) {
      for (const [key, value] of Object.entries(pick(part))) {
        out[key] =
          typeof value === "number" ? ((out[key] as number | undefined) ?? 0) + value : value;
      }
    }
    return out as T;
  };
  const lots = sum((s) => s.lots);
  return {
    orders: sum((s) => s.orders),
    cancels: sum((s) => s.cancels),
    lots: { ...lots, balanced: lots.accepted === 2 * lots.traded + lots.resting + lots.cancelled },
    trades: sum((s) => s.trades),
    clearingHouse: sum((s) => s.clearingHouse),
    riskAlerts: parts.reduce((n, s) => n + s.riskAlerts, 0),
    events: sum((s) => s.events),
  };
}

/** Deletes the run's streams and dead-letter streams; best effort, and bounded in time. */
async function removeKeys(redisUrl: string, prefix: string, partitions: number): Promise<void> {
  if (partitions === 0) return;
  // No reconnection: if Redis is gone, there is nothing to clean up and nothing to wait for.
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    const keys = Array.from({ length: partitions }, (_, i) => [
      `${prefix}:p${i}`,
      `${prefix}:p${i}:dlq`,
    ]).flat();
    await redis.del(...keys);
  } catch {
    // The run's result stands either way.
  } finally {
    redis.disconnect();
  }
}
