/**
 * The PostgreSQL suite: NecroStack's 3-organ chain on PostgresBackend against a private
 * PostgreSQL cluster (initdb into a temp dir, as the tests start theirs), at concurrency 1 and
 * 16, with the raw `pg` ceilings for the same work measured in the same run, round by round, so
 * each ratio compares runs under the same load. Then hop latency at 500 events/s.
 *
 * The cluster runs with fsync and synchronous_commit off, as the test clusters do: commits do not
 * wait for the disk, so the figures are the CPU and round-trip cost, not the disk's.
 */
import { PostgresServer } from "../test/helpers/postgres-server.js";
import { runInChild } from "./lib/child.js";
import { spread } from "./lib/stats.js";
import type { BenchRow, BenchRunOptions, BenchSuite } from "./lib/suite.js";
import type {
  PgChainArgs,
  PgChainResult,
  PgLatencyArgs,
  PgLatencyResult,
} from "./postgres-chain.js";
import type { PgRawArgs, PgRawResult } from "./postgres-raw.js";

const CHAIN = new URL("./postgres-chain.ts", import.meta.url);
const RAW = new URL("./postgres-raw.ts", import.meta.url);

const SIZES = {
  // 20,000 batched starts (60,000 events): a few seconds of steady state. With 5,000, the chain
  // at full speed ran under a second, much of it with the JIT still warming: 0.61x of the raw
  // loop (same size) against 0.73x over 20,000, in the same rounds.
  full: {
    rounds: 5,
    batchedStarts: 20_000,
    oneStarts: 1_000,
    latencyRuns: 3,
    latencyStarts: 1_500,
  },
  quick: { rounds: 1, batchedStarts: 500, oneStarts: 200, latencyRuns: 1, latencyStarts: 200 },
} as const;
const HIGH_CONCURRENCY = 16;
/** Rows per claim in the raw batched loop: PostgresBackend's default batchSize. */
const RAW_BATCH = 64;
const LATENCY_RATE = 500;
/** Connections of the raw per-event loop: PostgresBackend's default poolSize. */
const POOL_SIZE = 8;

const COUNTED =
  "events handled per second (A, B and C: 3 per start event), enqueue of the start events included";
const SERVER = "private PostgreSQL cluster, fsync and synchronous_commit off";

const suite: BenchSuite = {
  name: "postgres",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    const size = quick ? SIZES.quick : SIZES.full;
    const server = await PostgresServer.start();
    try {
      const url = server.url;
      const runs: Record<"high" | "rawBatched" | "rawPerEvent" | "one" | "rawOne", number[]> = {
        high: [],
        rawBatched: [],
        rawPerEvent: [],
        one: [],
        rawOne: [],
      };
      const chainAt = async (concurrency: number, starts: number): Promise<number> =>
        (
          await runInChild<PgChainResult>(CHAIN, "measurePostgresChain", {
            url,
            starts,
            concurrency,
          } satisfies PgChainArgs)
        ).eventsPerSecond;
      const rawAt = async (count: number, starts: number): Promise<number> =>
        (
          await runInChild<PgRawResult>(RAW, "measureRawPgChain", {
            url,
            starts,
            count,
          } satisfies PgRawArgs)
        ).eventsPerSecond;
      for (let round = 0; round < size.rounds; round++) {
        runs.rawBatched.push(await rawAt(RAW_BATCH, size.batchedStarts));
        runs.high.push(await chainAt(HIGH_CONCURRENCY, size.batchedStarts));
        runs.rawPerEvent.push(
          (
            await runInChild<PgRawResult>(RAW, "measureRawPgPerEvent", {
              url,
              starts: size.batchedStarts,
              count: RAW_BATCH,
              connections: POOL_SIZE,
            } satisfies PgRawArgs)
          ).eventsPerSecond,
        );
        runs.rawOne.push(await rawAt(1, size.oneStarts));
        runs.one.push(await chainAt(1, size.oneStarts));
      }
      const ratios = (ours: number[], theirs: number[]): number[] =>
        ours.map((value, i) => value / (theirs[i] as number));

      const latencies: PgLatencyResult[] = [];
      for (let run = 0; run < size.latencyRuns; run++) {
        latencies.push(
          await runInChild<PgLatencyResult>(CHAIN, "measurePostgresLatency", {
            url,
            rate: LATENCY_RATE,
            starts: size.latencyStarts,
            concurrency: HIGH_CONCURRENCY,
          } satisfies PgLatencyArgs),
        );
      }

      return [
        {
          metric: `PostgreSQL chain, concurrency ${HIGH_CONCURRENCY}`,
          ...spread(runs.high),
          unit: "events/s",
          target: { op: ">=", value: 5_000 },
          note: `${COUNTED}; ${size.batchedStarts.toLocaleString("en-US")} start events after a tenth as many of warm-up; ${SERVER}`,
        },
        {
          metric: `PostgreSQL chain, raw pg batched (claim ${RAW_BATCH} with FOR UPDATE SKIP LOCKED, then delete + insert in one statement)`,
          ...spread(runs.rawBatched),
          unit: "events/s",
          note: "the same chain, table and SQL with no framework, a batch settled per transaction: the ceiling",
        },
        {
          metric: `PostgreSQL chain, concurrency ${HIGH_CONCURRENCY} / raw batched`,
          ...spread(ratios(runs.high, runs.rawBatched)),
          unit: "x",
          target: { op: ">=", value: 0.6 },
          note: "median of the per-round ratios",
        },
        {
          metric: `PostgreSQL chain, raw pg per-event settles (claim ${RAW_BATCH}, then one delete + insert statement per event over ${POOL_SIZE} connections)`,
          ...spread(runs.rawPerEvent),
          unit: "events/s",
          note: "the backend's design today (one statement per ack or commit) with no framework: what batching commits across events would lift",
        },
        {
          metric: `PostgreSQL chain, concurrency ${HIGH_CONCURRENCY} / raw per-event settles`,
          ...spread(ratios(runs.high, runs.rawPerEvent)),
          unit: "x",
          note: "median of the per-round ratios: the framework's own cost, apart from the design",
        },
        {
          metric: "PostgreSQL chain, concurrency 1",
          ...spread(runs.one),
          unit: "events/s",
          note: `${COUNTED}; ${SERVER}`,
        },
        {
          metric: "PostgreSQL chain, raw pg one at a time (claim 1, then delete + insert)",
          ...spread(runs.rawOne),
          unit: "events/s",
          note: "two round trips per event",
        },
        {
          metric: "PostgreSQL chain, concurrency 1 / raw one at a time",
          ...spread(ratios(runs.one, runs.rawOne)),
          unit: "x",
          note: "median of the per-round ratios",
        },
        {
          metric: `PostgreSQL hop latency p50 at ${LATENCY_RATE} events/s`,
          ...spread(latencies.map((l) => l.p50Ms)),
          unit: "ms",
          note: `enqueue by another backend (or the emitting handler's return) to handler start, ${latencies[0]?.samples} hops per run, concurrency ${HIGH_CONCURRENCY}; wake-ups by LISTEN/NOTIFY`,
        },
        {
          metric: `PostgreSQL hop latency p99 at ${LATENCY_RATE} events/s`,
          ...spread(latencies.map((l) => l.p99Ms)),
          unit: "ms",
          target: { op: "<", value: 20 },
        },
      ];
    } finally {
      await server.dispose();
    }
  },
};

export default suite;
