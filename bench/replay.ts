/**
 * The replay suite, on a private redis-server holding 100,000 events, round by round in one run:
 * - `replay()` of the whole stream into a new stream (RedisReplayTarget: one Lua step per batch
 *   adding the copies and the progress), at batch sizes 100 (the default) and 1,000;
 * - the baseline: a raw copy, XRANGE pages of 1,000 and pipelined XADDs of the entries as they
 *   are (no decoding, no new ids, no progress, not resumable);
 * - replay into a fresh consumer group (`--group`): XGROUP CREATE at the range's start, then the
 *   same 100,000 entries read by a consumer of that group (XREADGROUP COUNT 1,000 + XACK).
 */
import { Redis } from "ioredis";
import type * as RedisEntry from "../src/redis.js";
import type * as ReplayEntry from "../src/replay.js";
import { RedisServer } from "../test/helpers/redis-server.js";
import { loadBuilt, loadBuiltEntry } from "./lib/built.js";
import { fillStream } from "./lib/fill-stream.js";
import { median, spread } from "./lib/stats.js";
import type { BenchRow, BenchRunOptions, BenchSuite } from "./lib/suite.js";

const SIZES = {
  full: { entries: 100_000, rounds: 5 },
  quick: { entries: 5_000, rounds: 1 },
} as const;

const STREAM = "bench:history";

const suite: BenchSuite = {
  name: "replay",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    const size = quick ? SIZES.quick : SIZES.full;
    const { Event } = await loadBuilt();
    const { RedisInspector, RedisReplayTarget, createGroupAt, groupStartId } =
      await loadBuiltEntry<typeof RedisEntry>("redis");
    const { replay } = await loadBuiltEntry<typeof ReplayEntry>("replay");
    const server = await RedisServer.start();
    const redis = new Redis(server.url);
    const inspector = new RedisInspector({ redisUrl: server.url });
    try {
      await fill(redis, size.entries, Event);
      const rates: Record<"batch100" | "batch1000" | "raw" | "group", number[]> = {
        batch100: [],
        batch1000: [],
        raw: [],
        group: [],
      };
      const createMs: number[] = [];
      const eventsPerSecond = (ms: number) => Math.round((size.entries * 1000) / ms);
      // One warm-up round, not counted.
      for (let round = -1; round < size.rounds; round++) {
        const keep = round >= 0;
        for (const batchSize of [100, 1_000] as const) {
          const target = `bench:replayed:${round}:${batchSize}`;
          const into = new RedisReplayTarget({ redisUrl: server.url, stream: target });
          const t0 = performance.now();
          const summary = await replay({ source: inspector, stream: STREAM, into, batchSize });
          const ms = performance.now() - t0;
          await into.close();
          if (summary.replayed !== size.entries || (await redis.xlen(target)) !== size.entries) {
            throw new Error(`replay copied ${summary.replayed} of ${size.entries}`);
          }
          if (keep) rates[batchSize === 100 ? "batch100" : "batch1000"].push(eventsPerSecond(ms));
          await redis.del(target);
        }
        const raw = `bench:raw:${round}`;
        const t1 = performance.now();
        await rawCopy(redis, raw);
        const rawMs = performance.now() - t1;
        if ((await redis.xlen(raw)) !== size.entries) throw new Error("raw copy incomplete");
        if (keep) rates.raw.push(eventsPerSecond(rawMs));
        await redis.del(raw);

        const group = `replay-${round}`;
        const t2 = performance.now();
        await createGroupAt(redis, STREAM, group, groupStartId(undefined));
        const created = performance.now() - t2;
        const read = await consumeGroup(redis, group);
        const groupMs = performance.now() - t2;
        if (read !== size.entries) throw new Error(`the group read ${read} of ${size.entries}`);
        if (keep) {
          createMs.push(created);
          rates.group.push(eventsPerSecond(groupMs));
        }
        await redis.xgroup("DESTROY", STREAM, group);
      }
      const n = size.entries.toLocaleString("en-US");
      const row = (key: keyof typeof rates, metric: string, note: string): BenchRow => ({
        metric,
        ...spread(rates[key]),
        value: median(rates[key]),
        unit: "events/s",
        note,
      });
      return [
        row(
          "batch100",
          `replay() of ${n} events into a new stream, batches of 100`,
          "two-pass oldest-first read, decode, new id and headers, one Lua XADD+progress step per batch",
        ),
        row("batch1000", `replay() of ${n} events into a new stream, batches of 1,000`, "the same"),
        row(
          "raw",
          `raw copy of ${n} entries (baseline)`,
          "XRANGE pages of 1,000 + pipelined XADD of the fields as they are; not resumable",
        ),
        {
          metric: "ratio replay (batches of 1,000) / raw copy",
          value: Math.round((median(rates.batch1000) / median(rates.raw)) * 100) / 100,
          unit: "x",
          runs: size.rounds,
          note: "ratio of the medians, measured in the same rounds",
        },
        row(
          "group",
          `replay into a fresh group (--group): ${n} entries created and consumed`,
          "XGROUP CREATE at the start, then XREADGROUP COUNT 1,000 + XACK until drained",
        ),
        {
          metric: "replay into a fresh group: XGROUP CREATE alone",
          ...spread(createMs),
          value: Math.round(median(createMs) * 100) / 100,
          unit: "ms",
          note: "independent of the range's size: nothing is copied",
        },
      ];
    } finally {
      await inspector.close();
      redis.disconnect();
      await server.dispose();
    }
  },
};

export default suite;

/** Adds `count` order events (about 200 bytes of wire JSON each), oldest first, pipelined. */
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
      new Event(i % 2 === 0 ? "ORDER_PLACED" : "ORDER_PAID", {
        order: i,
        customer: { id: `c-${i}` },
        items: [{ sku: `sku-${i % 97}`, qty: 1 + (i % 5) }],
      }),
    (event) => ({ "correlation-id": event.id, hop: "0" }),
  );
}

/** Copies the stream into `target` as fast as plain commands go. */
async function rawCopy(redis: Redis, target: string): Promise<void> {
  let start = "-";
  for (;;) {
    const page = (await redis.xrange(STREAM, start, "+", "COUNT", 1_000)) as [string, string[]][];
    if (page.length === 0) return;
    const pipeline = redis.pipeline();
    for (const [, fields] of page) pipeline.xadd(target, "*", ...fields);
    await pipeline.exec();
    start = `(${(page[page.length - 1] as [string, string[]])[0]}`;
  }
}

/** Reads the group to the end as a worker's fetch does; resolves how many entries it got. */
async function consumeGroup(redis: Redis, group: string): Promise<number> {
  let read = 0;
  for (;;) {
    const reply = (await redis.xreadgroup(
      "GROUP",
      group,
      "bench",
      "COUNT",
      1_000,
      "STREAMS",
      STREAM,
      ">",
    )) as [string, [string, string[]][]][] | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) return read;
    read += entries.length;
    await redis.xack(STREAM, group, ...entries.map(([id]) => id));
  }
}
