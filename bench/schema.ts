/**
 * The schema suite: the core suite's 3-organ chain with a catalog of zod schemas against the
 * same chain without one, in the same run, interleaved one process each so background load falls
 * on both alike. Reports events/s and what the catalog costs per event, in ns.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInChild } from "./lib/child.js";
import { median, spread } from "./lib/stats.js";
import type { BenchRow, BenchRunOptions, BenchSuite } from "./lib/suite.js";
import type { SchemaThroughputArgs, SchemaThroughputResult } from "./schema/throughput.js";

const THROUGHPUT = new URL("./schema/throughput.ts", import.meta.url);

const SIZES = {
  full: { starts: 200_000, warmup: 20_000, rounds: 5 },
  quick: { starts: 20_000, warmup: 2_000, rounds: 1 },
} as const;

const MODES = ["none", "emit", "both", "other-types"] as const;

const suite: BenchSuite = {
  name: "schema",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    const size = quick ? SIZES.quick : SIZES.full;
    const logFile = join(tmpdir(), `necrostack-bench-schema-${process.pid}.log`);
    const runs: Record<(typeof MODES)[number], SchemaThroughputResult[]> = {
      none: [],
      emit: [],
      both: [],
      "other-types": [],
    };
    for (let round = 0; round < size.rounds; round++) {
      for (const catalog of MODES) {
        const args: SchemaThroughputArgs = {
          starts: size.starts,
          warmup: size.warmup,
          catalog,
          logFile,
        };
        runs[catalog].push(
          await runInChild<SchemaThroughputResult>(THROUGHPUT, "measureSchemaThroughput", args),
        );
      }
    }
    const wall = (mode: (typeof MODES)[number]) => runs[mode].map((r) => r.eventsPerSecond);
    const cpu = (mode: (typeof MODES)[number]) => runs[mode].map((r) => r.eventsPerCpuSecond);
    /** ns per handled event `mode` adds to the chain without a catalog (medians, wall clock). */
    const costNs = (mode: (typeof MODES)[number]) =>
      1e9 / median(wall(mode)) - 1e9 / median(wall("none"));
    const costNote = (mode: (typeof MODES)[number]) =>
      `1e9 / events/s with it - 1e9 / events/s without (medians, wall clock); by CPU time ${Math.round(1e9 / median(cpu(mode)) - 1e9 / median(cpu("none")))} ns`;
    const starts = `${size.starts.toLocaleString("en-US")} start events after ${size.warmup.toLocaleString("en-US")} of warm-up; logs at warn`;
    return [
      {
        metric: "3-organ chain, in-memory, no catalog",
        unit: "events/s",
        ...spread(wall("none")),
        note: `the core suite's chain, A, B and C counted (3 per start event); ${starts}`,
      },
      {
        metric: "same, catalog of zod schemas, validating on emit",
        unit: "events/s",
        ...spread(wall("emit")),
        note: "z.object({ n: z.number() }) for A, B and C; validate: { emit: true, receive: false }",
      },
      {
        metric: "cost per event: validating on emit",
        unit: "ns",
        value: costNs("emit"),
        note: costNote("emit"),
      },
      {
        metric: "same, validating on emit and on receive (the defaults)",
        unit: "events/s",
        ...spread(wall("both")),
        note: "in process every event is validated twice: when its organ returns it and when it is pulled (an output equal to the payload costs no copy)",
      },
      {
        metric: "cost per event: validating on emit and receive",
        unit: "ns",
        value: costNs("both"),
        note: costNote("both"),
      },
      {
        metric: "same, catalog with schemas for other types only",
        unit: "events/s",
        ...spread(wall("other-types")),
        note: "the chain's types have no schema: one map lookup per event and side",
      },
      {
        metric: "cost per event: catalog without the chain's types",
        unit: "ns",
        value: costNs("other-types"),
        note: costNote("other-types"),
      },
      {
        metric: "ratio: validating on emit / no catalog",
        unit: "x",
        value: median(wall("emit")) / median(wall("none")),
        note: "medians of the same run, wall clock",
      },
    ];
  },
};

export default suite;
