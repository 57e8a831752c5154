/**
 * The metrics suite: the 3-organ chain of the core suite (in-memory, logs at warn) with the
 * `necrostack/prometheus` observer and without it, interleaved in the same run, one process
 * each. The observer's cost is what it adds per event; a scrape is not timed (it happens when
 * Prometheus asks, not per event), but one is made after each run to check the counts.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as Prometheus from "../src/prometheus.js";
import { chainOrgans, timeChainRun } from "./core/chain.js";
import { loadBuilt, ROOT } from "./lib/built.js";
import { runInChild } from "./lib/child.js";
import { median, spread } from "./lib/stats.js";
import type { BenchRow, BenchRunOptions, BenchSuite } from "./lib/suite.js";

const SIZES = {
  full: { starts: 200_000, warmup: 20_000, rounds: 5 },
  quick: { starts: 20_000, warmup: 2_000, rounds: 1 },
} as const;

export interface MetricsChainArgs {
  readonly starts: number;
  readonly warmup: number;
  readonly metrics: boolean;
  readonly logFile: string;
}

export interface MetricsChainResult {
  readonly eventsPerSecond: number;
  readonly eventsPerCpuSecond: number;
}

/** Child-process task: the chain, timed over `spine.run(startEvents)`. */
export async function measureChain(args: MetricsChainArgs): Promise<MetricsChainResult> {
  const pkg = await loadBuilt();
  const prom = (await import(
    pathToFileURL(join(ROOT, "dist/prometheus.js")).href
  )) as typeof Prometheus;
  const once = async (starts: number) => {
    const { organs, completed } = chainOrgans(pkg);
    const backend = new pkg.InMemoryBackend();
    const metrics = args.metrics ? prom.createMetrics({ backend, organs }) : undefined;
    const spine = new pkg.Spine({
      organs,
      backend,
      logger: pkg.createLogger({ level: "warn", destination: args.logFile }),
      maxSteps: Number.POSITIVE_INFINITY,
      observers: metrics === undefined ? [] : [metrics],
    });
    const { handled, seconds, cpuSeconds } = await timeChainRun(pkg, spine, starts, completed);
    if (metrics !== undefined) {
      const text = await metrics.metrics();
      const line = `necrostack_events_processed_total{destination="default",event_type="C",organ="C",outcome="ack"} ${starts}`;
      if (!text.includes(line)) throw new Error(`the metrics do not count the run: no ${line}`);
    }
    return { eventsPerSecond: handled / seconds, eventsPerCpuSecond: handled / cpuSeconds };
  };
  if (args.warmup > 0) await once(args.warmup);
  return once(args.starts);
}

const suite: BenchSuite = {
  name: "metrics",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    const size = quick ? SIZES.quick : SIZES.full;
    const logFile = join(tmpdir(), `necrostack-bench-metrics-${process.pid}.log`);
    const task = new URL(import.meta.url);
    const run = (metrics: boolean) =>
      runInChild<MetricsChainResult>(task, "measureChain", {
        starts: size.starts,
        warmup: size.warmup,
        metrics,
        logFile,
      } satisfies MetricsChainArgs);
    const without: MetricsChainResult[] = [];
    const withMetrics: MetricsChainResult[] = [];
    for (let round = 0; round < size.rounds; round++) {
      without.push(await run(false));
      withMetrics.push(await run(true));
    }
    const wall = (runs: readonly MetricsChainResult[]) => runs.map((r) => r.eventsPerSecond);
    const cpu = (runs: readonly MetricsChainResult[]) => runs.map((r) => r.eventsPerCpuSecond);
    const perEventNs = 1e9 / median(wall(withMetrics)) - 1e9 / median(wall(without));
    const starts = `${size.starts.toLocaleString("en-US")} start events after ${size.warmup.toLocaleString("en-US")} of warm-up, logs at warn`;
    return [
      {
        metric: "3-organ chain, in-memory, no metrics",
        unit: "events/s",
        ...spread(wall(without)),
        note: `events handled per second (3 per start event); ${starts}`,
      },
      {
        metric: "same, with the Prometheus metrics observer",
        unit: "events/s",
        ...spread(wall(withMetrics)),
        note: "createMetrics({ backend, organs }) as the Spine's one observer; every counter and histogram of the run, no scrape during it",
      },
      {
        metric: "ratio: with metrics / without",
        unit: "x",
        value: median(wall(withMetrics)) / median(wall(without)),
        target: { op: ">=", value: 0.5 },
        note: `medians of the same run, wall clock; by CPU time ${(median(cpu(withMetrics)) / median(cpu(without))).toFixed(2)}`,
      },
      {
        metric: "metrics cost per handled event",
        unit: "ns",
        value: perEventNs,
        note: "1/(events/s with metrics) - 1/(events/s without), medians",
      },
    ];
  },
};

export default suite;
