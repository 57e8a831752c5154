/**
 * The routing suite: the 3-organ chain at concurrency 64 on one RedisBackend (the baseline), on
 * a RoutingBackend over that backend (the routing overhead per event: a route lookup per
 * enqueue, an origin lookup per settle), and on a RoutingBackend over two Redis servers with
 * every C event forwarded from the first to the second. Round by round in the same run, against
 * private redis-servers.
 */
import { RedisServer } from "../test/helpers/redis-server.js";
import { runInChild } from "./lib/child.js";
import { median, spread } from "./lib/stats.js";
import type { BenchRow, BenchRunOptions, BenchSuite } from "./lib/suite.js";
import type { RoutingChainArgs, RoutingChainResult, RoutingMode } from "./routing-chain.js";

const CHAIN = new URL("./routing-chain.ts", import.meta.url);
const SIZES = { full: { rounds: 5, starts: 5_000 }, quick: { rounds: 1, starts: 500 } } as const;
const CONCURRENCY = 64;
const COUNTED =
  "events handled per second (A, B and C: 3 per start event), enqueue of the start events included";

const suite: BenchSuite = {
  name: "routing",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    const size = quick ? SIZES.quick : SIZES.full;
    const [first, second] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    try {
      const rates: Record<RoutingMode, number[]> = {
        redis: [],
        "routing-one": [],
        "routing-two": [],
      };
      for (let round = 0; round < size.rounds; round++) {
        for (const mode of ["redis", "routing-one", "routing-two"] as const) {
          const result = await runInChild<RoutingChainResult>(CHAIN, "measureRoutingChain", {
            mode,
            url: first.url,
            secondUrl: second.url,
            starts: size.starts,
            concurrency: CONCURRENCY,
          } satisfies RoutingChainArgs);
          rates[mode].push(result.eventsPerSecond);
        }
      }
      const ratios = (ours: number[]): number[] =>
        ours.map((value, i) => value / (rates.redis[i] as number));
      /** µs per event routing adds, round by round: 1/ours - 1/baseline. */
      const overheadUs = (ours: number[]): number[] =>
        ours.map((value, i) => (1 / value - 1 / (rates.redis[i] as number)) * 1e6);
      return [
        {
          metric: `Routing chain baseline: one RedisBackend, concurrency ${CONCURRENCY}`,
          ...spread(rates.redis),
          unit: "events/s",
          note: COUNTED,
        },
        {
          metric: "Routing chain: RoutingBackend over that one RedisBackend",
          ...spread(rates["routing-one"]),
          unit: "events/s",
          note: COUNTED,
        },
        {
          metric: "Routing chain: RoutingBackend over one / baseline",
          ...spread(ratios(rates["routing-one"])),
          unit: "x",
          target: { op: ">=", value: 0.95 },
          note: `median of the per-round ratios; routing adds ${median(overheadUs(rates["routing-one"])).toFixed(2)} µs per event (median of 1/rate - 1/baseline)`,
        },
        {
          metric: "Routing chain: RoutingBackend over two Redis servers, every C forwarded",
          ...spread(rates["routing-two"]),
          unit: "events/s",
          note: `${COUNTED}; each C is committed on the first server, pulled there, added to the second with its idempotent enqueue and acked, then handled from the second`,
        },
        {
          metric: "Routing chain: RoutingBackend over two / baseline",
          ...spread(ratios(rates["routing-two"])),
          unit: "x",
          note: `median of the per-round ratios; ${median(overheadUs(rates["routing-two"])).toFixed(1)} µs more per handled event`,
        },
      ];
    } finally {
      await Promise.all([first.dispose(), second.dispose()]);
    }
  },
};

export default suite;
