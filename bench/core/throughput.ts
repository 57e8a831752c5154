/**
 * Child-process task: the 3-organ chain on the in-memory backend, as fast as it goes.
 * Counts every handled event (A, B and C: three per start event) over the wall time of
 * `spine.run(startEvents)`, including the flush of the log file when logs are on.
 */
import { rmSync, statSync } from "node:fs";
import { loadBuilt, type Package } from "../lib/built.js";
import { chainOrgans, startEvents } from "./chain.js";

export interface ThroughputArgs {
  /** Start events; three events are handled per start event. */
  readonly starts: number;
  /** Start events of an untimed run first, so the timed run measures warmed-up code. */
  readonly warmup: number;
  /** "warn": nothing is logged per event; "info": the default level, two lines per handled event. */
  readonly level: "warn" | "info";
  /** The log file, removed afterwards. */
  readonly logFile: string;
}

export interface ThroughputResult {
  readonly handled: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly logBytes: number;
  readonly maxRssMB: number;
}

export async function measureThroughput(args: ThroughputArgs): Promise<ThroughputResult> {
  const pkg = await loadBuilt();
  if (args.warmup > 0) await runChain(pkg, args, args.warmup);
  rmSync(args.logFile, { force: true });
  const { handled, seconds } = await runChain(pkg, args, args.starts);
  const logBytes = statSync(args.logFile, { throwIfNoEntry: false })?.size ?? 0;
  rmSync(args.logFile, { force: true });
  return {
    handled,
    seconds,
    eventsPerSecond: handled / seconds,
    logBytes,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

async function runChain(
  pkg: Package,
  args: ThroughputArgs,
  starts: number,
): Promise<{ handled: number; seconds: number }> {
  const { organs, completed } = chainOrgans(pkg);
  // The level is passed only for "warn": "info" is the default, as a user who sets nothing gets.
  const logger = pkg.createLogger(
    args.level === "warn"
      ? { level: "warn", destination: args.logFile }
      : { destination: args.logFile },
  );
  if (args.level === "info" && !logger.isLevelEnabled("info")) {
    throw new Error("the default log level is not info here: unset NECROSTACK_LOG_LEVEL");
  }
  const spine = new pkg.Spine({
    organs,
    backend: new pkg.InMemoryBackend(),
    logger,
    maxSteps: Number.POSITIVE_INFINITY,
  });
  const events = startEvents(pkg, starts);
  const t0 = process.hrtime.bigint();
  const stats = await spine.run(events);
  await new Promise<void>((resolve, reject) =>
    logger.flush((error) => (error ? reject(error) : resolve())),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (stats.eventsProcessed !== 3 * starts || completed() !== starts) {
    throw new Error(
      `chain lost events: ${stats.eventsProcessed} handled and ${completed()} completed of ${starts} starts`,
    );
  }
  return { handled: stats.eventsProcessed, seconds };
}
