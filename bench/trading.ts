/**
 * The trading suite: the order-book example's stress mode, run as users run it
 * (`npm run example:trading -- --stress --orders 100000 --no-latency`, in-memory backend), one
 * fresh process per run. Its rates come from the example's own `--json` output: orders (and
 * events) over the wall time of `spine.run()`, start events included, process start-up excluded.
 *
 * Baseline, measured in the same run: the pure matching engine alone on the same orders (no
 * events, no Spine, no settlement), so the table shows what the framework costs on top.
 *
 * The example runs from source through tsx, as `npm run example:trading` does, so this suite
 * measures `src/`, not `dist/`.
 */
import { spawn } from "node:child_process";
import { Exchange } from "../examples/trading-orderbook/engine/exchange.js";
import type { OrderPayload } from "../examples/trading-orderbook/events.js";
import { randomOrders } from "../examples/trading-orderbook/inputs/random-orders.js";
import type { TradingSummary } from "../examples/trading-orderbook/trading-system.js";
import { ROOT } from "./lib/built.js";
import { repeatInChild } from "./lib/child.js";
import { spread } from "./lib/stats.js";
import type { BenchRow, BenchRunOptions, BenchSuite } from "./lib/suite.js";

const MAIN = "examples/trading-orderbook/main.ts";
const TIMEOUT_MS = 300_000;

interface StressResult {
  readonly summary: TradingSummary;
  readonly ordersPerSecond: number;
  readonly eventsPerSecond: number;
}

/** One `--stress --json` run of the example in a new process. */
function runStress(orders: number, seed: number): Promise<StressResult> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.NECROSTACK_LOG_LEVEL;
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      MAIN,
      "--stress",
      "--orders",
      String(orders),
      "--no-latency",
      "--seed",
      String(seed),
      "--json",
    ],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`the stress run exited with ${code ?? signal}: ${stderr.slice(-500)}`));
        return;
      }
      const result = JSON.parse(stdout.trim().split("\n").at(-1) as string) as StressResult;
      const { orders: o, lots, trades } = result.summary;
      if (
        o.submitted !== orders ||
        o.unaccounted !== 0 ||
        o.repeated !== 0 ||
        !lots.balanced ||
        trades.unresolved !== 0
      ) {
        reject(new Error(`the stress run lost track of orders: ${JSON.stringify(result.summary)}`));
        return;
      }
      resolve(result);
    });
  });
}

export interface EngineArgs {
  readonly orders: number;
  readonly seed: number;
}

/**
 * Child-process task: the matching engine alone on the stress mode's orders. Orders are built
 * (and their events unwrapped) before the clock starts; one untimed pass warms the code first.
 */
export async function measureEngine(
  args: EngineArgs,
): Promise<{ ordersPerSecond: number; trades: number }> {
  const orders = randomOrders(args.orders, args.seed).map((e): OrderPayload => {
    const p = e.payload;
    return {
      ...p,
      side: p.side as OrderPayload["side"],
      type: p.type as OrderPayload["type"],
      priceTicks: p.priceTicks ?? 0,
    };
  });
  const pass = (): number => {
    const exchange = new Exchange();
    let trades = 0;
    for (const order of orders) trades += exchange.submit(order).trades.length;
    return trades;
  };
  pass();
  const t0 = process.hrtime.bigint();
  const trades = pass();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { ordersPerSecond: args.orders / seconds, trades };
}

const suite: BenchSuite = {
  name: "trading",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    const orders = quick ? 10_000 : 100_000;
    const runs = quick ? 1 : 5;
    // One untimed run first, so the file cache and tsx's transform cache are warm for every timed one.
    await runStress(Math.min(orders, 10_000), 1);
    const results: StressResult[] = [];
    for (let i = 0; i < runs; i++) results.push(await runStress(orders, 1));
    const engine = await repeatInChild<{ ordersPerSecond: number }>(
      runs,
      new URL(import.meta.url),
      "measureEngine",
      { orders, seed: 1 } satisfies EngineArgs,
    );
    const label = `--stress --orders ${orders} --no-latency, in-memory`;
    return [
      {
        metric: `Trading example ${label}: orders`,
        unit: "orders/s",
        ...spread(results.map((r) => r.ordersPerSecond)),
        target: { op: ">=", value: 50_000 },
        note: "orders over the wall time of spine.run(), five organs, settlement included; one process per run",
      },
      {
        metric: `Trading example ${label}: events`,
        unit: "events/s",
        ...spread(results.map((r) => r.eventsPerSecond)),
        note: "every event handled: orders, validations, outcomes, trades, settlements, risk alerts",
      },
      {
        metric: `Baseline: the matching engine alone on the same ${orders} orders`,
        unit: "orders/s",
        ...spread(engine.map((r) => r.ordersPerSecond)),
        note: "Exchange.submit() in a loop: no events, no Spine, no settlement",
      },
    ];
  },
};

export default suite;
