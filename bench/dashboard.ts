/**
 * The dashboard suite: the two reads an operator waits on, through the dashboard's handler
 * against a private redis-server holding 100,000 events, each beside the raw Redis reads that
 * fetch the same entries, measured round by round in the same run:
 * - a page of 50 events (`GET /api/streams/:s/events?limit=50`) against one raw XREVRANGE COUNT 50;
 * - a payload search over the newest 100,000 entries (path equals, and plain text), each
 *   examining the whole window, against raw XREVRANGE of the 100,000 entries (in pages of 1,000,
 *   as the search reads them, and in one call).
 */
import { Redis } from "ioredis";
import type * as DashboardEntry from "../src/dashboard.js";
import type * as RedisEntry from "../src/redis.js";
import { RedisServer } from "../test/helpers/redis-server.js";
import { loadBuilt, loadBuiltEntry } from "./lib/built.js";
import { fillStream } from "./lib/fill-stream.js";
import { median, spread } from "./lib/stats.js";
import type { BenchRow, BenchRunOptions, BenchSuite } from "./lib/suite.js";

const SIZES = {
  full: { entries: 100_000, rounds: 7 },
  quick: { entries: 5_000, rounds: 1 },
} as const;

const STREAM = "bench:orders";

const suite: BenchSuite = {
  name: "dashboard",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    const size = quick ? SIZES.quick : SIZES.full;
    const { Event } = await loadBuilt();
    const { createDashboard } = await loadBuiltEntry<typeof DashboardEntry>("dashboard");
    const { RedisInspector } = await loadBuiltEntry<typeof RedisEntry>("redis");
    const server = await RedisServer.start();
    const redis = new Redis(server.url);
    // The inspector is ours, not the dashboard's: closed below, or its connection keeps the
    // bench process alive after the results are written.
    const inspector = new RedisInspector({ redisUrl: server.url });
    const dashboard = createDashboard({ inspector });
    try {
      await fill(redis, size.entries, Event);
      const get = async (path: string): Promise<Record<string, unknown>> => {
        const response = await dashboard.fetch(new Request(`http://127.0.0.1${path}`));
        if (response.status !== 200)
          throw new Error(`${path}: ${response.status} ${await response.text()}`);
        return (await response.json()) as Record<string, unknown>;
      };
      const window = size.entries;
      // The one match is the oldest entry: every search examines the whole window.
      const equals = `/api/streams/${STREAM}/search?path=customer.id&equals=c-0&window=${window}`;
      const text = `/api/streams/${STREAM}/search?text=needle-0&window=${window}`;
      const times: Record<
        "page" | "rawPage" | "equals" | "text" | "rawPaged" | "rawOne",
        number[]
      > = {
        page: [],
        rawPage: [],
        equals: [],
        text: [],
        rawPaged: [],
        rawOne: [],
      };
      const checks = { equalsFound: 0, textFound: 0, searched: 0 };
      // One warm-up round, not counted.
      for (let round = -1; round < size.rounds; round++) {
        const keep = round >= 0;
        const timed = async <T>(key: keyof typeof times, work: () => Promise<T>): Promise<T> => {
          const t0 = performance.now();
          const result = await work();
          if (keep) times[key].push(performance.now() - t0);
          return result;
        };
        await timed("rawPage", () => redis.xrevrange(STREAM, "+", "-", "COUNT", 50));
        const page = await timed("page", () => get(`/api/streams/${STREAM}/events?limit=50`));
        if ((page.events as unknown[]).length !== 50) throw new Error("expected a page of 50");
        await timed("rawPaged", () => rawPaged(redis, window));
        await timed("rawOne", () => redis.xrevrange(STREAM, "+", "-", "COUNT", window));
        const byPath = await timed("equals", () => get(equals));
        const byText = await timed("text", () => get(text));
        checks.equalsFound = (byPath.events as unknown[]).length;
        checks.textFound = (byText.events as unknown[]).length;
        checks.searched = byPath.searched as number;
      }
      if (checks.equalsFound !== 1 || checks.textFound !== 1 || checks.searched !== window) {
        throw new Error(
          `search found ${checks.equalsFound}/${checks.textFound} of 1, searched ${checks.searched} of ${window}`,
        );
      }
      const ms = (key: keyof typeof times, metric: string, note: string): BenchRow => ({
        metric,
        ...spread(times[key]),
        value: round1(median(times[key])),
        unit: "ms",
        note,
      });
      const ratio = (a: keyof typeof times, b: keyof typeof times, metric: string): BenchRow => ({
        metric,
        value: Math.round((median(times[a]) / median(times[b])) * 100) / 100,
        unit: "x",
        runs: size.rounds,
        note: "ratio of the medians, measured in the same rounds",
      });
      const n = size.entries.toLocaleString("en-US");
      return [
        ms(
          "page",
          "dashboard: a page of 50 events (GET .../events?limit=50)",
          "handler in process: XREVRANGE COUNT 51, decode and check 50 events, JSON",
        ),
        ms("rawPage", "raw XREVRANGE COUNT 50 (baseline)", "ioredis, no decoding"),
        ratio("page", "rawPage", "page of 50 / raw XREVRANGE COUNT 50"),
        ms(
          "equals",
          `dashboard: payload search, path equals, over ${n} entries`,
          "examines the whole window (the one match is the oldest)",
        ),
        ms(
          "text",
          `dashboard: payload search, plain text, over ${n} entries`,
          "examines the whole window (the one match is the oldest)",
        ),
        ms(
          "rawPaged",
          `raw XREVRANGE of ${n} entries in pages of 1,000 (baseline)`,
          "the reads a search makes, without matching",
        ),
        ms(
          "rawOne",
          `raw XREVRANGE of ${n} entries in one call (baseline)`,
          "one reply of the whole window",
        ),
        ratio("equals", "rawPaged", "path search / raw paged XREVRANGE"),
        ratio("text", "rawPaged", "text search / raw paged XREVRANGE"),
      ];
    } finally {
      await dashboard.close();
      await inspector.close();
      redis.disconnect();
      await server.dispose();
    }
  },
};

export default suite;

/** Adds `count` order events (about 250 bytes of wire JSON each), oldest first, pipelined. */
function fill(
  redis: Redis,
  count: number,
  Event: typeof import("../src/index.js").Event,
): Promise<void> {
  return fillStream(
    redis,
    STREAM,
    count,
    (i) =>
      new Event("ORDER_PLACED", {
        order: i,
        customer: { id: `c-${i}`, name: `Customer ${i}` },
        items: [{ sku: `sku-${i % 97}`, qty: 1 + (i % 5) }],
        note: i === 0 ? "needle-0" : `order note ${i % 1_000}`,
      }),
    (event) => ({ "correlation-id": event.id }),
  );
}

/** XREVRANGE of the newest `window` entries, 1,000 per call, as a search reads them. */
async function rawPaged(redis: Redis, window: number): Promise<number> {
  let end = "+";
  let read = 0;
  while (read < window) {
    const page = (await redis.xrevrange(
      STREAM,
      end,
      "-",
      "COUNT",
      Math.min(1_000, window - read),
    )) as [string, string[]][];
    if (page.length === 0) break;
    read += page.length;
    end = `(${(page[page.length - 1] as [string, string[]])[0]}`;
  }
  return read;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
