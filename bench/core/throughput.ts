/**
 * Child-process task: the 3-organ chain on the in-memory backend, as fast as it goes.
 * Counts every handled event (A, B and C: three per start event) over the wall time of
 * `spine.run(startEvents)`, including the flush of the log file when logs are on.
 */
import { rmSync, statSync } from "node:fs";
import pino from "pino";
import type * as NecroStack from "../../src/index.js";
import { loadBuilt, type Package } from "../lib/built.js";
import { chainOrgans, startEvents } from "./chain.js";

export interface ThroughputArgs {
  /** Start events; three events are handled per start event. */
  readonly starts: number;
  /** Start events of an untimed run first, so the timed run measures warmed-up code. */
  readonly warmup: number;
  /**
   * "warn": nothing is logged per event. "info": the default level and destination, five lines
   * per start event. "info-async": the same lines through an asynchronous pino destination, to
   * weigh the default (synchronous) destination against it.
   */
  readonly level: "warn" | "info" | "info-async";
  /**
   * Two no-op middleware for every organ and one no-op observer (received, dispatch, emitted,
   * committed): the seams' cost. "timed" adds a no-op `handled`, for which the Spine reads the
   * clock around every handler call.
   */
  readonly seams?: false | "plain" | "timed";
  /** The log file, removed afterwards. */
  readonly logFile: string;
}

export interface ThroughputResult {
  readonly handled: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Handled events per second of CPU time (user + system, all threads): less sensitive to other load. */
  readonly eventsPerCpuSecond: number;
  readonly logBytes: number;
  readonly maxRssMB: number;
}

export async function measureThroughput(args: ThroughputArgs): Promise<ThroughputResult> {
  const pkg = await loadBuilt();
  if (args.warmup > 0) await runChain(pkg, args, args.warmup);
  rmSync(args.logFile, { force: true });
  const { handled, seconds, cpuSeconds } = await runChain(pkg, args, args.starts);
  const logBytes = statSync(args.logFile, { throwIfNoEntry: false })?.size ?? 0;
  rmSync(args.logFile, { force: true });
  return {
    handled,
    seconds,
    eventsPerSecond: handled / seconds,
    eventsPerCpuSecond: handled / cpuSeconds,
    logBytes,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  };
}

async function runChain(
  pkg: Package,
  args: ThroughputArgs,
  starts: number,
): Promise<{ handled: number; seconds: number; cpuSeconds: number }> {
  const { organs, completed } = chainOrgans(pkg);
  // The level is passed only for "warn": "info" is the default, as a user who sets nothing gets.
  const logger = pkg.createLogger(
    args.level === "warn"
      ? { level: "warn", destination: args.logFile }
      : args.level === "info"
        ? { destination: args.logFile }
        : { destination: pino.destination({ dest: args.logFile, sync: false }) },
  );
  if (args.level !== "warn" && !logger.isLevelEnabled("info")) {
    throw new Error("the default log level is not info here: unset NECROSTACK_LOG_LEVEL");
  }
  const spine = new pkg.Spine({
    organs,
    backend: new pkg.InMemoryBackend(),
    logger,
    maxSteps: Number.POSITIVE_INFINITY,
    ...(args.seams ? seams(args.seams === "timed") : undefined),
  });
  const events = startEvents(pkg, starts);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const stats = await spine.run(events);
  await new Promise<void>((resolve, reject) =>
    logger.flush((error) => (error ? reject(error) : resolve())),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  if (stats.eventsProcessed !== 3 * starts || completed() !== starts) {
    throw new Error(
      `chain lost events: ${stats.eventsProcessed} handled and ${completed()} completed of ${starts} starts`,
    );
  }
  return { handled: stats.eventsProcessed, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** Two middleware that only pass the call on, and an observer with every hook doing nothing. */
function seams(timed: boolean): {
  middleware: NecroStack.Middleware[];
  observers: NecroStack.SpineObserver[];
} {
  const passOn: NecroStack.Middleware = (next) => (event, ctx) => next(event, ctx);
  const nothing = (): void => {};
  const observer: NecroStack.SpineObserver = {
    received: nothing,
    dispatch: nothing,
    emitted: nothing,
    committed: nothing,
    handlerError: nothing,
    unrouted: nothing,
    ...(timed ? { handled: nothing } : {}),
  };
  return { middleware: [passOn, passOn], observers: [observer] };
}
