/**
 * The Redis suite: NecroStack's 3-organ chain on RedisBackend against a private redis-server,
 * at concurrency 1 and at a higher concurrency, with the raw ioredis ceilings for the same work
 * measured in the same run, round by round, so each ratio compares runs under the same load.
 * Then hop latency at 1,000 events/s, next to the raw loop's, and memory over a long run.
 */
import { RedisServer } from "../test/helpers/redis-server.js";
import { runInChild } from "./lib/child.js";
import { median, spread } from "./lib/stats.js";
import type { BenchRow, BenchRunOptions, BenchSuite } from "./lib/suite.js";
import type {
  ChainArgs,
  ChainResult,
  LatencyArgs,
  LatencyResult,
  MemoryArgs,
  MemoryResult,
} from "./redis-chain.js";
import type { RawArgs, RawLatencyArgs, RawLatencyResult, RawResult } from "./redis-raw.js";

/** What both kinds of throughput run report. */
type Measured = Pick<ChainResult, "eventsPerSecond" | "redisUsPerEvent" | "nodeUsPerEvent">;

const CHAIN = new URL("./redis-chain.ts", import.meta.url);
const RAW = new URL("./redis-raw.ts", import.meta.url);

const SIZES = {
  full: {
    rounds: 5,
    // 90,000 events: about a second of steady state at full speed. With 5,000 (15,000 events),
    // a run lasted 0.3 s on a fast machine and measured mostly the JIT warming the framework's
    // longer path (26 µs of Node CPU per event against 13 µs later), not a running worker.
    batchedStarts: 30_000,
    oneStarts: 1_000,
    latencyRuns: 3,
    latencyStarts: 2_000,
    memoryStarts: 100_000,
  },
  quick: {
    rounds: 1,
    batchedStarts: 500,
    oneStarts: 200,
    latencyRuns: 1,
    latencyStarts: 300,
    memoryStarts: 3_000,
  },
} as const;
/** The higher concurrency the chain runs at: as many in flight as the raw loop reads at once. */
const HIGH_CONCURRENCY = 64;
/** Entries per XREADGROUP in the raw batched loop: RedisBackend's default batchSize. */
const RAW_BATCH = 64;
const LATENCY_RATE = 1_000;

const COUNTED =
  "events handled per second (A, B and C: 3 per start event), enqueue of the start events included";

const suite: BenchSuite = {
  name: "redis",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    const size = quick ? SIZES.quick : SIZES.full;
    const server = await RedisServer.start();
    try {
      const url = server.url;
      const runs: Record<"high" | "rawBatched" | "one" | "rawOne", Measured[]> = {
        high: [],
        rawBatched: [],
        one: [],
        rawOne: [],
      };
      const chainAt = (concurrency: number, starts: number): Promise<Measured> =>
        runInChild<ChainResult>(CHAIN, "measureRedisChain", {
          url,
          starts,
          concurrency,
        } satisfies ChainArgs);
      const rawAt = (count: number, starts: number): Promise<Measured> =>
        runInChild<RawResult>(RAW, "measureRawChain", { url, starts, count } satisfies RawArgs);
      for (let round = 0; round < size.rounds; round++) {
        runs.rawBatched.push(await rawAt(RAW_BATCH, size.batchedStarts));
        runs.high.push(await chainAt(HIGH_CONCURRENCY, size.batchedStarts));
        runs.rawOne.push(await rawAt(1, size.oneStarts));
        runs.one.push(await chainAt(1, size.oneStarts));
      }
      const rate = (of: Measured[]): number[] => of.map((r) => r.eventsPerSecond);
      const [high, rawBatched, one, rawOne] = [
        rate(runs.high),
        rate(runs.rawBatched),
        rate(runs.one),
        rate(runs.rawOne),
      ];
      const ratios = (ours: number[], theirs: number[]): number[] =>
        ours.map((value, i) => value / (theirs[i] as number));
      const cpuRatios = (ours: Measured[], theirs: Measured[]): number[] =>
        ours.map((r, i) => {
          const raw = theirs[i] as Measured;
          return (
            (raw.redisUsPerEvent + raw.nodeUsPerEvent) / (r.redisUsPerEvent + r.nodeUsPerEvent)
          );
        });
      const cpu = (of: Measured[]): string => {
        const redisUs = median(of.map((r) => r.redisUsPerEvent));
        const nodeUs = median(of.map((r) => r.nodeUsPerEvent));
        return `CPU per event: redis-server ${redisUs.toFixed(1)} µs, Node ${nodeUs.toFixed(1)} µs`;
      };

      // Interleaved with the raw loop's latency, so both see the same background load.
      const latencies: LatencyResult[] = [];
      const rawLatencies: RawLatencyResult[] = [];
      for (let run = 0; run < size.latencyRuns; run++) {
        latencies.push(
          await runInChild<LatencyResult>(CHAIN, "measureRedisLatency", {
            url,
            rate: LATENCY_RATE,
            starts: size.latencyStarts,
            concurrency: HIGH_CONCURRENCY,
          } satisfies LatencyArgs),
        );
        rawLatencies.push(
          await runInChild<RawLatencyResult>(RAW, "measureRawLatency", {
            url,
            rate: LATENCY_RATE,
            starts: size.latencyStarts,
          } satisfies RawLatencyArgs),
        );
      }
      const memory = await runInChild<MemoryResult>(
        CHAIN,
        "measureRedisMemory",
        { url, starts: size.memoryStarts, concurrency: HIGH_CONCURRENCY } satisfies MemoryArgs,
        { nodeFlags: ["--expose-gc"] },
      );

      const rows: BenchRow[] = [
        {
          metric: `Redis chain, concurrency ${HIGH_CONCURRENCY}`,
          ...spread(high),
          unit: "events/s",
          note: `${COUNTED}; ${size.batchedStarts.toLocaleString("en-US")} start events after a tenth as many of warm-up; ${cpu(runs.high)}`,
        },
        {
          metric: `Redis chain, raw ioredis batched (XREADGROUP COUNT ${RAW_BATCH}, pipelined XADD + XACK)`,
          ...spread(rawBatched),
          unit: "events/s",
          note: `the same chain and count with no framework: the ceiling; ${cpu(runs.rawBatched)}`,
        },
        {
          metric: `Redis chain, concurrency ${HIGH_CONCURRENCY} / raw batched`,
          ...spread(ratios(high, rawBatched)),
          unit: "x",
          target: { op: ">=", value: 0.65 },
          note: "median of the per-round ratios",
        },
        {
          metric: `Redis chain, concurrency ${HIGH_CONCURRENCY} / raw batched, by CPU per event`,
          ...spread(cpuRatios(runs.high, runs.rawBatched)),
          unit: "x",
          note: "raw CPU per event (redis-server + Node) / ours: what the throughput ratio tends to when both processes share saturated cores; steadier than wall-clock rates on a busy machine",
        },
        {
          metric: "Redis chain, concurrency 1",
          ...spread(one),
          unit: "events/s",
          note: `${COUNTED}; ${cpu(runs.one)}`,
        },
        {
          metric: "Redis chain, raw ioredis one at a time (XREADGROUP COUNT 1, then XADD + XACK)",
          ...spread(rawOne),
          unit: "events/s",
          note: `two round trips per event; ${cpu(runs.rawOne)}`,
        },
        {
          metric: "Redis chain, concurrency 1 / raw one at a time",
          ...spread(ratios(one, rawOne)),
          unit: "x",
          target: { op: ">=", value: 0.75 },
          note: "median of the per-round ratios",
        },
        {
          metric: `Redis hop latency p50 at ${LATENCY_RATE} events/s`,
          ...spread(latencies.map((l) => l.p50Ms)),
          unit: "ms",
          target: { op: "<", value: 0.6 },
          note: `enqueue (or the emitting handler's return) to handler start, ${latencies[0]?.samples} hops per run, concurrency ${HIGH_CONCURRENCY}`,
        },
        {
          metric: `Redis hop latency p99 at ${LATENCY_RATE} events/s`,
          ...spread(latencies.map((l) => l.p99Ms)),
          unit: "ms",
          target: { op: "<", value: 6 },
        },
        {
          metric: `Redis hop latency p50 at ${LATENCY_RATE} events/s, raw ioredis batched`,
          ...spread(rawLatencies.map((l) => l.p50Ms)),
          unit: "ms",
          note: "the same hops measured the same way in a plain ioredis loop, run after each NecroStack run: the floor on this machine at that moment",
        },
        {
          metric: `Redis hop latency p99 at ${LATENCY_RATE} events/s, raw ioredis batched`,
          ...spread(rawLatencies.map((l) => l.p99Ms)),
          unit: "ms",
        },
        {
          metric: `Redis memory: heap growth over ${memory.handled.toLocaleString("en-US")} events`,
          value: memory.heapEndMB - memory.heapEarlyMB,
          unit: "MB",
          note: `heap after GC ${memory.heapEarlyMB.toFixed(1)} MB at a tenth of the run, ${memory.heapEndMB.toFixed(1)} MB at its end; RSS ${memory.rssEarlyMB.toFixed(0)} -> ${memory.rssEndMB.toFixed(0)} MB; ${Math.round(memory.eventsPerSecond)} events/s`,
        },
      ];
      return rows;
    } finally {
      await server.dispose();
    }
  },
};

export default suite;
