/**
 * Child-process task: the core suite's 3-organ chain (A -> B -> C, a one-field payload per hop)
 * on the in-memory backend, with or without a catalog of zod schemas, as fast as it goes.
 */
import { rmSync } from "node:fs";
import { z } from "zod";
import { chainOrgans, timeChainRun } from "../core/chain.js";
import { loadBuilt, type Package } from "../lib/built.js";

export interface SchemaThroughputArgs {
  readonly starts: number;
  readonly warmup: number;
  /**
   * "none": no catalog. "emit": a catalog with a zod schema for A, B and C, validated on emit
   * only. "both": the same, on emit and on receive (the default settings). "other-types": a
   * catalog whose schemas are all for other types (the chain's types pass unchecked).
   */
  readonly catalog: "none" | "emit" | "both" | "other-types";
  readonly logFile: string;
}

export interface SchemaThroughputResult {
  readonly handled: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly eventsPerCpuSecond: number;
}

export async function measureSchemaThroughput(
  args: SchemaThroughputArgs,
): Promise<SchemaThroughputResult> {
  const pkg = await loadBuilt();
  if (args.warmup > 0) await runChain(pkg, args, args.warmup);
  const { handled, seconds, cpuSeconds } = await runChain(pkg, args, args.starts);
  rmSync(args.logFile, { force: true });
  return {
    handled,
    seconds,
    eventsPerSecond: handled / seconds,
    eventsPerCpuSecond: handled / cpuSeconds,
  };
}

function catalogOptions(pkg: Package, mode: SchemaThroughputArgs["catalog"]) {
  if (mode === "none") return {};
  const n = z.object({ n: z.number() });
  if (mode === "other-types") {
    return { catalog: pkg.defineEvents({ X: n, Y: n, Z: n }) };
  }
  return {
    catalog: pkg.defineEvents({ A: n, B: n, C: n }),
    validate: { emit: true, receive: mode === "both" },
  };
}

async function runChain(
  pkg: Package,
  args: SchemaThroughputArgs,
  starts: number,
): Promise<{ handled: number; seconds: number; cpuSeconds: number }> {
  const { organs, completed } = chainOrgans(pkg);
  const spine = new pkg.Spine({
    organs,
    backend: new pkg.InMemoryBackend(),
    logger: pkg.createLogger({ level: "warn", destination: args.logFile }),
    maxSteps: Number.POSITIVE_INFINITY,
    ...catalogOptions(pkg, args.catalog),
  });
  return timeChainRun(pkg, spine, starts, completed);
}
