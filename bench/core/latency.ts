/**
 * Child-process task: latency from enqueue to handler start under a steady load, while
 * `spine.run(undefined, { until: "stopped" })` consumes the 3-organ chain. A producer paced by
 * the clock enqueues start events at `rate` per second through the public `backend.enqueue()`:
 * with `pacing: "timer"` it wakes on a 1 ms timer and enqueues the events due since its last turn
 * (5 at 5,000/s), sleeping in between as a real producer waiting on I/O does; with
 * `pacing: "spin"` it checks the clock on every turn of the event loop (`setImmediate`), so events
 * go in one by one, at the cost of a busy CPU. The time is taken with `process.hrtime.bigint()`
 * just before `enqueue` and first thing in organ A's handler.
 *
 * Each latency is measured from the actual enqueue, not from when the event was due, so a
 * stalled producer would hide its stall (coordinated omission); the result also says how far
 * the producer fell behind its schedule at worst.
 */
import { setImmediate } from "node:timers";
import { loadBuilt } from "../lib/built.js";
import { quantile } from "../lib/stats.js";
import { chainOrgans } from "./chain.js";

export interface LatencyArgs {
  /** Start events per second. */
  readonly rate: number;
  readonly pacing: "timer" | "spin";
  /** Measured start events. */
  readonly count: number;
  /** Start events sent first at the same rate and not measured. */
  readonly warmup: number;
  readonly logFile: string;
}

export interface LatencyResult {
  readonly p50Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly maxUs: number;
  readonly measured: number;
  readonly seconds: number;
  /** The most events enqueued in one turn of the producer (due since its previous turn). */
  readonly maxBacklog: number;
}

export async function measureLatency(args: LatencyArgs): Promise<LatencyResult> {
  const pkg = await loadBuilt();
  const total = args.warmup + args.count;
  const enqueuedAt = new Float64Array(total);
  const latencyNs = new Float64Array(total);
  const base = process.hrtime.bigint();
  const { organs, completed } = chainOrgans(pkg, (event) => {
    const n = event.payload.n;
    latencyNs[n] = Number(process.hrtime.bigint() - base) - (enqueuedAt[n] as number);
  });
  const backend = new pkg.InMemoryBackend();
  const spine = new pkg.Spine({
    organs,
    backend,
    logger: pkg.createLogger({ level: "warn", destination: args.logFile }),
    maxSteps: Number.POSITIVE_INFINITY,
  });
  const running = spine.run(undefined, { until: "stopped" });

  const intervalNs = 1e9 / args.rate;
  let sent = 0;
  let maxBacklog = 0;
  let failure: unknown;
  const t0 = Number(process.hrtime.bigint() - base);
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = Number(process.hrtime.bigint() - base);
      const due = Math.min(total, Math.floor((now - t0) / intervalNs) + 1);
      maxBacklog = Math.max(maxBacklog, due - sent);
      while (sent < due) {
        const event = new pkg.Event("A", { n: sent });
        enqueuedAt[sent] = Number(process.hrtime.bigint() - base);
        backend.enqueue(event).catch((error: unknown) => {
          failure ??= error;
        });
        sent++;
      }
      if (failure !== undefined || completed() === total) resolve();
      else if (args.pacing === "spin") setImmediate(tick);
      else setTimeout(tick, 1);
    };
    setImmediate(tick);
  });
  const seconds = (Number(process.hrtime.bigint() - base) - t0) / 1e9;
  spine.stop();
  await running;
  if (failure !== undefined) throw failure;

  const measured = latencyNs.subarray(args.warmup).sort();
  return {
    p50Us: quantile(measured, 0.5) / 1e3,
    p99Us: quantile(measured, 0.99) / 1e3,
    p999Us: quantile(measured, 0.999) / 1e3,
    maxUs: (measured[measured.length - 1] as number) / 1e3,
    measured: measured.length,
    seconds,
    maxBacklog,
  };
}
