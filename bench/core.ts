/**
 * The core suite: the in-memory Spine's throughput (logs at warn, and the default info logs to a
 * file), its latency under a steady load, its memory over a long run, and two baselines measured
 * in the same run. Throughput runs are interleaved, one process each, so background load on the
 * machine falls on NecroStack and the baselines alike.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaselineArgs, BaselineResult } from "./core/baselines.js";
import type { LatencyArgs, LatencyResult } from "./core/latency.js";
import type { MemoryArgs, MemoryResult } from "./core/memory.js";
import type { ThroughputArgs, ThroughputResult } from "./core/throughput.js";
import { runInChild } from "./lib/child.js";
import { median, spread } from "./lib/stats.js";
import type { BenchRow, BenchRunOptions, BenchSuite } from "./lib/suite.js";

const THROUGHPUT = new URL("./core/throughput.ts", import.meta.url);
const BASELINES = new URL("./core/baselines.ts", import.meta.url);
const LATENCY = new URL("./core/latency.ts", import.meta.url);
const MEMORY = new URL("./core/memory.ts", import.meta.url);

/** Sizes for a full run and for `--quick`. */
const SIZES = {
  full: { starts: 200_000, warmup: 20_000, rounds: 5, latencyRuns: 3, latencyCount: 50_000 },
  quick: { starts: 20_000, warmup: 2_000, rounds: 1, latencyRuns: 1, latencyCount: 5_000 },
} as const;
const LATENCY_RATE = 5_000;
const MEMORY_STARTS = 1_000_000;
/** The default level must be what a user who sets nothing gets. */
const DEFAULT_ENV = { NECROSTACK_LOG_LEVEL: undefined };

const CHAIN_NOTE = "events handled per second: A, B and C count, 3 per start event";

const suite: BenchSuite = {
  name: "core",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    const size = quick ? SIZES.quick : SIZES.full;
    const logFile = join(tmpdir(), `necrostack-bench-${process.pid}.log`);
    const chainArgs = (
      level: ThroughputArgs["level"],
      seams: ThroughputArgs["seams"] = false,
    ): ThroughputArgs => ({
      starts: size.starts,
      warmup: size.warmup,
      level,
      logFile,
      seams,
    });
    const baselineArgs: BaselineArgs = { starts: size.starts, warmup: size.warmup };

    const warn: ThroughputResult[] = [];
    const withSeams: ThroughputResult[] = [];
    const withTimedSeams: ThroughputResult[] = [];
    const info: ThroughputResult[] = [];
    const infoAsync: ThroughputResult[] = [];
    const emitter: BaselineResult[] = [];
    const fifo: BaselineResult[] = [];
    const chain = (level: ThroughputArgs["level"], seams: ThroughputArgs["seams"] = false) =>
      runInChild<ThroughputResult>(THROUGHPUT, "measureThroughput", chainArgs(level, seams), {
        env: DEFAULT_ENV,
      });
    const baseline = (name: string) => runInChild<BaselineResult>(BASELINES, name, baselineArgs);
    for (let round = 0; round < size.rounds; round++) {
      warn.push(await chain("warn"));
      withSeams.push(await chain("warn", "plain"));
      withTimedSeams.push(await chain("warn", "timed"));
      info.push(await chain("info"));
      infoAsync.push(await chain("info-async"));
      emitter.push(await baseline("measureEmitter"));
      fifo.push(await baseline("measureAsyncFifo"));
    }
    const wall = (runs: readonly { eventsPerSecond: number }[]) =>
      runs.map((r) => r.eventsPerSecond);
    const cpu = (runs: readonly { eventsPerCpuSecond: number }[]) =>
      runs.map((r) => r.eventsPerCpuSecond);
    const ratio = (a: readonly ThroughputResult[], b: readonly BaselineResult[]) => ({
      value: median(wall(a)) / median(wall(b)),
      note: `medians of the same run, wall clock; by CPU time ${(median(cpu(a)) / median(cpu(b))).toFixed(2)}`,
    });

    const latencyRuns = async (pacing: LatencyArgs["pacing"]): Promise<LatencyResult[]> => {
      const args: LatencyArgs = {
        rate: LATENCY_RATE,
        pacing,
        count: size.latencyCount,
        warmup: size.latencyCount / 10,
        logFile,
      };
      const results: LatencyResult[] = [];
      for (let run = 0; run < size.latencyRuns; run++) {
        results.push(await runInChild<LatencyResult>(LATENCY, "measureLatency", args));
      }
      return results;
    };
    const latencies = await latencyRuns("timer");
    const spinLatencies = await latencyRuns("spin");
    const memoryArgs: MemoryArgs = { starts: MEMORY_STARTS, batch: 1_024, logFile };
    const memory: MemoryResult[] = [];
    for (let run = 0; run < (quick ? 1 : 3); run++) {
      memory.push(await runInChild<MemoryResult>(MEMORY, "measureMemory", memoryArgs));
    }

    const starts = `${size.starts.toLocaleString("en-US")} start events after ${size.warmup.toLocaleString("en-US")} of warm-up`;
    const latencyNote = `start event enqueued -> organ A's handler starts; ${LATENCY_RATE.toLocaleString("en-US")} start events/s from a producer on a 1 ms timer (5 per turn), 3-organ chain, logs at warn; ${size.latencyCount.toLocaleString("en-US")} measured per run`;
    const pct = (pick: (r: LatencyResult) => number) => spread(latencies.map(pick));
    const spinPct = (pick: (r: LatencyResult) => number) => spread(spinLatencies.map(pick));
    const spinNote =
      "as above, but the producer checks the clock on every event-loop turn (setImmediate) and enqueues events one by one";
    const worstTurn = (runs: readonly LatencyResult[]) =>
      `most events enqueued in one producer turn: ${Math.max(...runs.map((r) => r.maxBacklog))}`;
    return [
      {
        metric: "3-organ chain, in-memory, logs at warn",
        unit: "events/s",
        ...spread(wall(warn)),
        target: { op: ">=", value: 1_000_000 },
        note: `${CHAIN_NOTE}; ${starts}`,
      },
      {
        metric: "same, with 2 no-op middleware and 1 no-op observer",
        unit: "events/s",
        ...spread(wall(withSeams)),
        note: "every organ wrapped twice; an observer with received, dispatch, emitted, committed, handlerError and unrouted, each doing nothing",
      },
      {
        metric: "ratio: with middleware and observer / without",
        unit: "x",
        value: median(wall(withSeams)) / median(wall(warn)),
        target: { op: ">=", value: 0.8 },
        note: "medians of the same run, wall clock",
      },
      {
        metric: "ratio: the same observer with a no-op handled hook / without seams",
        unit: "x",
        value: median(wall(withTimedSeams)) / median(wall(warn)),
        note: "an observer of handled makes the Spine read the clock before and after every handler call (performance.now(), twice per handler)",
      },
      {
        metric: "3-organ chain, in-memory, default info logs to a file",
        unit: "events/s",
        ...spread(wall(info)),
        target: { op: ">=", value: 45_000 },
        note: `createLogger({ destination: file }) (synchronous writes); 5 JSON lines per start event; ${starts}`,
      },
      {
        metric: "same, info logs through an asynchronous destination",
        unit: "events/s",
        ...spread(wall(infoAsync)),
        note: `createLogger({ destination: pino.destination({ dest: file, sync: false }) }), flushed before the clock stops; ${Math.round(median(cpu(infoAsync))).toLocaleString("en-US")} events per CPU second`,
      },
      {
        metric: "3-organ chain, logs at warn, per CPU second",
        unit: "events/s",
        ...spread(cpu(warn)),
        note: "handled events / (user + system CPU time of the process, GC threads included): less sensitive to other load on the machine",
      },
      {
        metric: "3-organ chain, default info logs, per CPU second",
        unit: "events/s",
        ...spread(cpu(info)),
        note: "as above, with the default info logs to a file",
      },
      {
        metric: "baseline: same chain on Node's EventEmitter",
        unit: "events/s",
        ...spread(wall(emitter)),
        note: "listeners emit the next event synchronously; frozen {id, timestamp, type, payload} per hop, randomUUID() + new Date()",
      },
      {
        metric: "baseline: bare async FIFO loop",
        unit: "events/s",
        ...spread(wall(fifo)),
        note: "array queue filled up front, each async handler awaited; frozen {id, timestamp, type, payload} per hop, randomUUID() + new Date()",
      },
      { metric: "ratio: logs at warn / EventEmitter", unit: "x", ...ratio(warn, emitter) },
      {
        metric: "ratio: logs at warn / async FIFO",
        unit: "x",
        ...ratio(warn, fifo),
        target: { op: ">=", value: 2 },
      },
      { metric: "ratio: info logs / async FIFO", unit: "x", ...ratio(info, fifo) },
      {
        metric: "latency p50",
        unit: "µs",
        ...pct((r) => r.p50Us),
        target: { op: "<", value: 30 },
        note: latencyNote,
      },
      {
        metric: "latency p99",
        unit: "µs",
        ...pct((r) => r.p99Us),
        target: { op: "<", value: 250 },
        note: latencyNote,
      },
      { metric: "latency p99.9", unit: "µs", ...pct((r) => r.p999Us), note: latencyNote },
      {
        metric: "latency max",
        unit: "µs",
        ...pct((r) => r.maxUs),
        note: `${worstTurn(latencies)} (5 when the process is never held up)`,
      },
      {
        metric: "latency p50, spinning producer",
        unit: "µs",
        ...spinPct((r) => r.p50Us),
        note: spinNote,
      },
      {
        metric: "latency p99, spinning producer",
        unit: "µs",
        ...spinPct((r) => r.p99Us),
        note: `${spinNote}; ${worstTurn(spinLatencies)}`,
      },
      {
        metric: "peak RSS, 1,000,000 start events streamed",
        unit: "MB",
        ...spread(memory.map((r) => r.peakRssMB)),
        target: { op: "<", value: 200 },
        note: `whole process; 3,000,000 events handled, at most 1,024 start events queued; RSS at 10% ${Math.round(median(memory.map((r) => r.rssAtTenthMB)))} MB, at the end ${Math.round(median(memory.map((r) => r.rssAtEndMB)))} MB`,
      },
      {
        metric: `peak RSS, ${size.starts.toLocaleString("en-US")} start events queued up front`,
        unit: "MB",
        ...spread(warn.map((r) => r.maxRssMB)),
        note: "whole process of the warn throughput run: every start event made and queued before run()",
      },
    ];
  },
};

export default suite;
