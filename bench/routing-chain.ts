/**
 * The 3-organ chain (A emits B emits C) on one RedisBackend, on a RoutingBackend over that one
 * backend, and on a RoutingBackend over two Redis servers whose C events go to the second (so
 * every B -> C hop is committed on the first and forwarded): what routing costs per event. Each
 * task runs in its own process (see bench/lib/child.ts).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import type { Backend } from "../src/index.js";
import type * as RedisEntry from "../src/redis.js";
import { loadBuilt, loadBuiltEntry } from "./lib/built.js";
import { hopChain } from "./lib/hop-chain.js";
import { type CpuReading, cpuPerEvent, readCpu } from "./redis-cpu.js";

/** Where the chain's events wait. */
export type RoutingMode = "redis" | "routing-one" | "routing-two";

export interface RoutingChainArgs {
  readonly mode: RoutingMode;
  /** The first Redis; `routing-two` also uses `secondUrl`. */
  readonly url: string;
  readonly secondUrl: string;
  /** Start events; 3 events are handled per start. */
  readonly starts: number;
  readonly concurrency: number;
}

export interface RoutingChainResult {
  readonly handled: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** CPU time of this process per handled event, µs: what routing adds shows here first. */
  readonly nodeUsPerEvent: number;
  /** CPU time of the redis-server(s) per handled event, µs. */
  readonly redisUsPerEvent: number;
}

/**
 * Events handled per second, from the first enqueue of a start event to the moment C has
 * handled the last one, after an untimed warm-up run of a tenth of the size.
 */
export async function measureRoutingChain(args: RoutingChainArgs): Promise<RoutingChainResult> {
  await runChain({ ...args, starts: Math.max(1, Math.round(args.starts / 10)) });
  return runChain(args);
}

async function runChain(args: RoutingChainArgs): Promise<RoutingChainResult> {
  const pkg = await loadBuilt();
  const { RedisBackend } = await loadBuiltEntry<typeof RedisEntry>("redis");
  const stream = `bench:routing:${randomUUID()}`;
  const first = new RedisBackend({ redisUrl: args.url, streamKey: stream, logger: false });
  let backend: Backend = first;
  if (args.mode === "routing-one") {
    backend = new pkg.RoutingBackend({ routes: [{ types: ["*"], backend: first }], logger: false });
  } else if (args.mode === "routing-two") {
    const second = new RedisBackend({ redisUrl: args.secondUrl, streamKey: stream, logger: false });
    backend = new pkg.RoutingBackend({
      routes: [
        { types: ["C"], backend: second },
        { types: ["*"], backend: first },
      ],
      logger: false,
    });
  }
  const work = hopChain(pkg, args.starts);
  const spine = new pkg.Spine({
    organs: work.organs,
    backend,
    concurrency: args.concurrency,
    maxSteps: Number.POSITIVE_INFINITY,
    logger: false,
  });
  const probes = [
    new Redis(args.url),
    ...(args.mode === "routing-two" ? [new Redis(args.secondUrl)] : []),
  ];
  try {
    const cpu = await Promise.all(probes.map(readCpu));
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
    const after = await Promise.all(probes.map(readCpu));
    spine.stop();
    const stats = await run;
    const handled = stats.eventsProcessed;
    const used = cpu.map((before, i) => cpuPerEvent(before, after[i] as CpuReading, handled));
    return {
      handled,
      seconds,
      eventsPerSecond: handled / seconds,
      nodeUsPerEvent: used[0]?.nodeUsPerEvent ?? 0,
      redisUsPerEvent: used.reduce((sum, u) => sum + u.redisUsPerEvent, 0),
    };
  } finally {
    for (const probe of probes) probe.disconnect();
    await backend.close?.();
    for (const url of [args.url, args.secondUrl]) {
      const redis = new Redis(url);
      try {
        await redis.del(stream, `${stream}:dlq`, `${stream}:once`);
      } finally {
        redis.disconnect();
      }
    }
  }
}
