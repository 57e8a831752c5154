/**
 * The tracing suite: the cost of necrostack/otel on the 3-organ chain of the core suite
 * (in-memory, logs at warn), against the same chain without it, in the same run. Three
 * variants, each in a fresh process, interleaved so background load falls on all of them:
 * no tracing; the tracing middleware and observer with no OpenTelemetry SDK registered (what a
 * user who turns tracing on and registers nothing pays); and with the trace SDK registered
 * (BasicTracerProvider, a SimpleSpanProcessor feeding an exporter that drops every span, the
 * W3C propagator and the AsyncLocalStorage context manager): the price of recording five spans
 * per chain (process A, B and C; send B and C), before any export cost.
 */
import { pathToFileURL } from "node:url";
import type * as Otel from "../src/otel.js";
import { chainOrgans, timeChainRun } from "./core/chain.js";
import { loadBuilt, ROOT } from "./lib/built.js";
import { runInChild } from "./lib/child.js";
import { median, spread } from "./lib/stats.js";
import type { BenchRow, BenchRunOptions, BenchSuite } from "./lib/suite.js";

const SELF = new URL(import.meta.url);
const DIST_OTEL = pathToFileURL(`${ROOT}dist/otel.js`).href;

/** Sizes for a full run and for `--quick`; the SDK variant is about 20 times slower, so fewer. */
const SIZES = {
  full: { starts: 200_000, sdkStarts: 50_000, warmup: 20_000, rounds: 5 },
  quick: { starts: 20_000, sdkStarts: 5_000, warmup: 2_000, rounds: 1 },
} as const;

type Variant = "none" | "no-provider" | "sdk";

export interface TracedChainArgs {
  readonly variant: Variant;
  readonly starts: number;
  readonly warmup: number;
}

export interface TracedChainResult {
  readonly handled: number;
  readonly eventsPerSecond: number;
  readonly eventsPerCpuSecond: number;
  /** Spans the SDK variant recorded in the timed run (0 for the others). */
  readonly spans: number;
}

/** Child-process task: the chain, with the variant's tracing, timed after a warm-up. */
export async function measureTracedChain(args: TracedChainArgs): Promise<TracedChainResult> {
  const pkg = await loadBuilt();
  if (args.variant === "sdk") await registerSdk();
  const otel = (await import(DIST_OTEL)) as typeof Otel;
  const tracing = args.variant === "none" ? undefined : await otel.createTracing();
  if (args.variant === "no-provider" && tracing?.recording !== false) {
    throw new Error("the no-provider variant found a tracer provider registered");
  }
  const run = async (starts: number) => {
    const { organs, completed } = chainOrgans(pkg);
    const spine = new pkg.Spine({
      organs,
      backend: new pkg.InMemoryBackend(),
      logger: pkg.createLogger({ level: "warn" }),
      maxSteps: Number.POSITIVE_INFINITY,
      ...(tracing === undefined
        ? {}
        : { middleware: [tracing.middleware], observers: [tracing.observer] }),
    });
    return timeChainRun(pkg, spine, starts, completed);
  };
  await run(args.warmup);
  const before = spanCount;
  const { handled, seconds, cpuSeconds } = await run(args.starts);
  return {
    handled,
    eventsPerSecond: handled / seconds,
    eventsPerCpuSecond: handled / cpuSeconds,
    spans: spanCount - before,
  };
}

let spanCount = 0;

/** Registers the trace SDK globally, as an application's setup does; its exporter drops spans. */
async function registerSdk(): Promise<void> {
  const { context, propagation, trace } = await import("@opentelemetry/api");
  const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
  const { W3CTraceContextPropagator } = await import("@opentelemetry/core");
  const { BasicTracerProvider, SimpleSpanProcessor } = await import(
    "@opentelemetry/sdk-trace-base"
  );
  const dropAll = {
    export(spans: readonly unknown[], done: (result: { code: 0 }) => void): void {
      spanCount += spans.length;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
  };
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(dropAll)] }),
  );
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

const suite: BenchSuite = {
  name: "tracing",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    const size = quick ? SIZES.quick : SIZES.full;
    const results: Record<Variant, TracedChainResult[]> = {
      none: [],
      "no-provider": [],
      sdk: [],
    };
    const measure = (variant: Variant) =>
      runInChild<TracedChainResult>(SELF, "measureTracedChain", {
        variant,
        starts: variant === "sdk" ? size.sdkStarts : size.starts,
        warmup: size.warmup,
      } satisfies TracedChainArgs);
    for (let round = 0; round < size.rounds; round++) {
      for (const variant of ["none", "no-provider", "sdk"] as const) {
        results[variant].push(await measure(variant));
      }
    }
    const wall = (variant: Variant) => results[variant].map((r) => r.eventsPerSecond);
    const rate = (variant: Variant) => median(wall(variant));
    /** Extra time per handled event, from the medians: 1/rate - 1/rate(none). */
    const costNs = (variant: Variant) => (1 / rate(variant) - 1 / rate("none")) * 1e9;
    const cpuRatio = (variant: Variant) =>
      median(results[variant].map((r) => r.eventsPerCpuSecond)) /
      median(results.none.map((r) => r.eventsPerCpuSecond));
    const starts = (n: number) =>
      `${n.toLocaleString("en-US")} start events (3 handled each) after ${size.warmup.toLocaleString("en-US")} of warm-up`;
    const spansPerEvent = median(results.sdk.map((r) => r.spans / r.handled));
    return [
      {
        metric: "3-organ chain, in-memory, logs at warn, no tracing",
        unit: "events/s",
        ...spread(wall("none")),
        note: starts(size.starts),
      },
      {
        metric: "same, tracing middleware + observer, no tracer provider",
        unit: "events/s",
        ...spread(wall("no-provider")),
        note: "createTracing() with @opentelemetry/api and no SDK registered: spans are non-recording",
      },
      {
        metric: "ratio: tracing with no provider / no tracing",
        unit: "x",
        value: rate("no-provider") / rate("none"),
        target: { op: ">=", value: 0.9 },
        note: `medians of the same run, wall clock; by CPU time ${cpuRatio("no-provider").toFixed(2)}`,
      },
      {
        metric: "cost per event: tracing with no provider",
        unit: "ns",
        value: costNs("no-provider"),
        note: "1/rate - 1/rate(no tracing), from the medians",
      },
      {
        metric: "same chain, tracing with the SDK and a no-op exporter",
        unit: "events/s",
        ...spread(wall("sdk")),
        note: `BasicTracerProvider + SimpleSpanProcessor + an exporter that drops spans, W3C propagator, AsyncLocalStorage context manager; ${spansPerEvent.toFixed(2)} spans per handled event; ${starts(size.sdkStarts)}`,
      },
      {
        metric: "ratio: tracing with the SDK / no tracing",
        unit: "x",
        value: rate("sdk") / rate("none"),
        note: `medians of the same run, wall clock; by CPU time ${cpuRatio("sdk").toFixed(2)}`,
      },
      {
        metric: "cost per event: tracing with the SDK",
        unit: "µs",
        value: costNs("sdk") / 1000,
        note: "1/rate - 1/rate(no tracing), from the medians: a process span and a send span per event, recorded and handed to the exporter",
      },
    ];
  },
};

export default suite;
