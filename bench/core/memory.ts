/**
 * Child-process task: peak memory of a long run. A producer tops the in-memory queue up to
 * `batch` start events on every turn of the event loop while the Spine runs the 3-organ chain
 * `until: "stopped"`, so the queue stays short and any growth is the Spine's own. Logs at warn.
 */
import { setImmediate } from "node:timers";
import { loadBuilt } from "../lib/built.js";
import { chainOrgans } from "./chain.js";

export interface MemoryArgs {
  /** Start events; three events are handled per start event. */
  readonly starts: number;
  /** How many start events the producer keeps queued at most. */
  readonly batch: number;
  readonly logFile: string;
}

export interface MemoryResult {
  readonly handled: number;
  /** Peak resident set size of the whole process, MB. */
  readonly peakRssMB: number;
  /** RSS when a tenth of the start events had completed, and at the end, MB. */
  readonly rssAtTenthMB: number;
  readonly rssAtEndMB: number;
}

const MB = 1024 * 1024;

export async function measureMemory(args: MemoryArgs): Promise<MemoryResult> {
  const pkg = await loadBuilt();
  const { organs, completed } = chainOrgans(pkg);
  const backend = new pkg.InMemoryBackend();
  const spine = new pkg.Spine({
    organs,
    backend,
    logger: pkg.createLogger({ level: "warn", destination: args.logFile }),
    maxSteps: Number.POSITIVE_INFINITY,
  });
  const running = spine.run(undefined, { until: "stopped" });
  let sent = 0;
  let rssAtTenth = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      while (backend.size < args.batch && sent < args.starts) {
        backend.sync.enqueue(new pkg.Event("A", { n: sent++ }));
      }
      if (rssAtTenth === 0 && completed() >= args.starts / 10)
        rssAtTenth = process.memoryUsage.rss();
      if (completed() === args.starts) resolve();
      else setImmediate(tick);
    };
    setImmediate(tick);
  });
  spine.stop();
  const stats = await running;
  return {
    handled: stats.eventsProcessed,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    rssAtTenthMB: rssAtTenth / MB,
    rssAtEndMB: process.memoryUsage.rss() / MB,
  };
}
