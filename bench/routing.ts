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
/** 30,000 starts, as the Redis suite: long enough for a steady state (see bench/redis.ts). */
const SIZES = { full: { rounds: 5, starts: 30_000 }, quick: { rounds: 1, starts: 500 } } as const;
const CONCURRENCY = 64;
const COUNTED =
  "events handled per second (A, B and C: 3 per start event), enqueue of the start events included";

const suite: BenchSuite = {
  name: "routing",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    const size = quick ? SIZES.quick : SIZES.full;
    const [first, second] = await Promise.all([RedisServer.start(), RedisServer.start()]);
    try {
      const results: Record<RoutingMode, RoutingChainResult[]> = {
        redis: [],
        "routing-one": [],
        "routing-two": [],
      };
      const modes = ["redis", "routing-one", "routing-two"] as const;
      for (let round = 0; round < size.rounds; round++) {
        // Each round in another order, so no mode always runs first (or last) in a round.
        const order = modes.map((_, i) => modes[(i + round) % modes.length] as RoutingMode);
        for (const mode of order) {
          const result = await runInChild<RoutingChainResult>(CHAIN, "measureRoutingChain", {
            mode,
            url: first.url,
            secondUrl: second.url,
            starts: size.starts,
            concurrency: CONCURRENCY,
          } satisfies RoutingChainArgs);
          results[mode].push(result);
        }
      }
      const rateOf = (mode: RoutingMode): number[] => results[mode].map((r) => r.eventsPerSecond);
      const rates = {
        redis: rateOf("redis"),
        "routing-one": rateOf("routing-one"),
        "routing-two": rateOf("routing-two"),
      };
      const nodeUs = (mode: RoutingMode): number[] => results[mode].map((r) => r.nodeUsPerEvent);
      /** Node CPU µs per event routing adds, round by round. */
      const addedCpu = (mode: RoutingMode): number[] =>
        nodeUs(mode).map((us, i) => us - (nodeUs("redis")[i] as number));
      const cpu = (mode: RoutingMode): string =>
        `CPU per event: Node ${median(nodeUs(mode)).toFixed(1)} µs, redis-server ${median(results[mode].map((r) => r.redisUsPerEvent)).toFixed(1)} µs`;
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
          note: `${COUNTED}; ${cpu("redis")}`,
        },
        {
          metric: "Routing chain: RoutingBackend over that one RedisBackend",
          ...spread(rates["routing-one"]),
          unit: "events/s",
          note: `${COUNTED}; ${cpu("routing-one")}`,
        },
        {
          metric: "Routing overhead over one backend, Node CPU per event",
          ...spread(addedCpu("routing-one")),
          unit: "µs",
          target: { op: "<", value: 5 },
          note: "Node CPU per handled event on RoutingBackend minus on the RedisBackend alone, round by round: steadier than wall-clock rates on a busy machine",
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
          note: `${COUNTED}; ${cpu("routing-two")}; each C is committed on the first server, pulled there, added to the second with its idempotent enqueue and acked, then handled from the second`,
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
