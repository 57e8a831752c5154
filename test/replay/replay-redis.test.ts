import type { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { RedisReplayTarget, replayProgressKey } from "../../src/backends/redis/replay-target.js";
import { ReplayProgressError } from "../../src/core/replay/errors.js";
import { replay } from "../../src/core/replay/replay.js";
import { replayedEventId } from "../../src/core/replay/target.js";
import { defineEvents, Event, HEADER } from "../../src/index.js";
import { RedisInspector } from "../../src/redis.js";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface Written {
  readonly entryId: string;
  readonly event: Event;
}

/** Adds events to `stream` as a worker would, one XADD each; resolves their entry ids. */
async function fill(redis: Redis, stream: string, events: readonly Event[]): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < events.length; i += 500) {
    const pipeline = redis.pipeline();
    for (const event of events.slice(i, i + 500)) {
      const headers = JSON.stringify(event.headers);
      pipeline.xadd(stream, "*", "event", JSON.stringify(event.toJSON()), "headers", headers);
    }
    for (const [error, id] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      ids.push(id as string);
    }
  }
  return ids;
}

async function readAll(redis: Redis, stream: string): Promise<Written[]> {
  const out: Written[] = [];
  let start = "-";
  for (;;) {
    const page = (await redis.xrange(stream, start, "+", "COUNT", 1000)) as [string, string[]][];
    for (const [entryId, fields] of page) {
      const get = (name: string) => fields[fields.indexOf(name) + 1];
      out.push({ entryId, event: Event.fromJSON(get("event") as string, get("headers")) });
    }
    if (page.length < 1000) return out;
    start = `(${page[page.length - 1]?.[0]}`;
  }
}

const numbered = (
  count: number,
  type: (n: number) => string = (n) => (n % 2 === 0 ? "EVEN" : "ODD"),
) => Array.from({ length: count }, (_, n) => new Event(type(n), { n }));

describeRedis("replay() on Redis", () => {
  let server: RedisServer;
  let redis: Redis;
  let inspector: RedisInspector;
  let stream: string;
  let target: string;
  let n = 0;

  const into = (options: { maxLen?: number } = {}) =>
    new RedisReplayTarget({ redisUrl: server.url, stream: target, ...options });

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = rawClient(server.url);
    inspector = new RedisInspector({ redisUrl: server.url });
  });

  afterAll(async () => {
    await inspector?.close();
    redis?.disconnect();
    await server?.dispose();
  });

  beforeEach(() => {
    n++;
    stream = `source-${n}`;
    target = `target-${n}`;
  });

  it("copies every event oldest first under new ids, each with replayed-from and replay-id", async () => {
    const events = numbered(2_345);
    await fill(redis, stream, events);
    const out = into();
    const summary = await replay({ source: inspector, stream, into: out, replayId: "all" });
    await out.close();
    expect(summary).toMatchObject({ scanned: 2_345, selected: 2_345, replayed: 2_345, done: true });
    expect(summary.skipped).toEqual({});
    const written = await readAll(redis, target);
    expect(written.map((w) => w.event.payload.n)).toEqual(events.map((e) => e.payload.n));
    for (const [i, { event }] of written.entries()) {
      const original = events[i] as Event;
      expect(event.id).toMatch(UUID_V4);
      expect(event.id).toBe(replayedEventId("all", original.id));
      expect(event.headers["replayed-from"]).toBe(original.id);
      expect(event.headers["replay-id"]).toBe("all");
      expect(event.eventType).toBe(original.eventType);
      expect(event.timestampMs).toBe(original.timestampMs);
    }
  });

  it("takes a range of entry ids, both ends included", async () => {
    const ids = await fill(redis, stream, numbered(50));
    const out = into();
    const summary = await replay({
      source: inspector,
      stream,
      into: out,
      since: ids[10],
      until: ids[19],
    });
    await out.close();
    expect(summary.replayed).toBe(10);
    expect((await readAll(redis, target)).map((w) => w.event.payload.n)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 10),
    );
  });

  it("takes a time range, and the types asked for", async () => {
    const ids = await fill(redis, stream, numbered(40));
    const ms = (id: string | undefined) => Number(id?.split("-")[0]);
    const from = ms(ids[0]);
    await fill(
      redis,
      stream,
      numbered(10, () => "LATER"),
    );
    const out = into();
    const summary = await replay({
      source: inspector,
      stream,
      into: out,
      since: new Date(from),
      until: ms(ids[39]),
      types: ["ODD"],
    });
    await out.close();
    expect(summary).toMatchObject({ selected: 20, replayed: 20 });
    const written = await readAll(redis, target);
    expect(written.every((w) => w.event.eventType === "ODD")).toBe(true);
  });

  it("takes one chain by its correlation id: its first event and those carrying its id", async () => {
    const root = new Event("ORDER_PLACED", { n: 0 });
    const chain = [1, 2, 3].map(
      (i) =>
        new Event({
          eventType: "STEP",
          payload: { n: i },
          headers: { [HEADER.CORRELATION_ID]: root.id, [HEADER.CAUSATION_ID]: root.id },
        }),
    );
    await fill(redis, stream, [root, ...numbered(5), ...chain, ...numbered(5)]);
    const out = into();
    const summary = await replay({ source: inspector, stream, into: out, correlationId: root.id });
    await out.close();
    expect(summary).toMatchObject({ scanned: 14, selected: 4, replayed: 4 });
    expect((await readAll(redis, target)).map((w) => w.event.headers["replayed-from"])).toEqual([
      root.id,
      ...chain.map((e) => e.id),
    ]);
  });

  it("resumes a stopped replay where it stopped, and writes no event twice", async () => {
    const events = numbered(1_000);
    await fill(redis, stream, events);
    const stop = new AbortController();
    const first = into();
    const stopped = await replay({
      source: inspector,
      stream,
      into: first,
      replayId: "resume",
      batchSize: 50,
      signal: stop.signal,
      onProgress: (progress) => {
        if (progress.replayed >= 300) stop.abort();
      },
    });
    await first.close();
    expect(stopped.stopped).toBe(true);
    expect(stopped.done).toBe(false);
    expect(stopped.replayed).toBeGreaterThanOrEqual(300);
    expect(stopped.replayed).toBeLessThan(1_000);
    const second = into();
    const resumed = await replay({ source: inspector, stream, into: second, replayId: "resume" });
    expect(resumed).toMatchObject({ resumed: true, done: true, replayed: 1_000, scanned: 1_000 });
    // Run once more: it finds the replay done and writes nothing.
    const again = await replay({ source: inspector, stream, into: second, replayId: "resume" });
    await second.close();
    expect(again).toMatchObject({ done: true, replayed: 1_000 });
    const written = await readAll(redis, target);
    expect(written.map((w) => w.event.payload.n)).toEqual(events.map((e) => e.payload.n));
  });

  it("refuses to write a batch when another run moved the progress on, writing nothing", async () => {
    await fill(redis, stream, numbered(10));
    const out = into();
    await replay({ source: inspector, stream, into: out, replayId: "race", batchSize: 5 });
    // A run that still believes nothing was done:
    const stale = await out.write(
      {
        replayId: "race",
        lastEntryId: "1-0",
        scanned: 1,
        selected: 1,
        replayed: 1,
        skipped: {},
        done: false,
        startedAt: "",
        updatedAt: "",
      },
      [new Event("X", {})],
      null,
    );
    expect(stale).toMatchObject({ stale: true });
    expect(await redis.xlen(target)).toBe(10);
    await out.close();
  });

  it("fails with ReplayProgressError on progress it cannot read, instead of starting over", async () => {
    await fill(redis, stream, numbered(3));
    await redis.hset(replayProgressKey(target, "broken"), "last", "1-0", "progress", "{oops");
    const out = into();
    await expect(
      replay({ source: inspector, stream, into: out, replayId: "broken" }),
    ).rejects.toBeInstanceOf(ReplayProgressError);
    await out.close();
    expect(await redis.xlen(target)).toBe(0);
  });

  it("says which part of the range is no longer kept after the stream was trimmed", async () => {
    const ids = await fill(redis, stream, numbered(100));
    await redis.xtrim(stream, "MAXLEN", 60);
    const out = into();
    const summary = await replay({ source: inspector, stream, into: out, since: ids[0] });
    await out.close();
    expect(summary.replayed).toBe(60);
    expect(summary.unavailableBefore?.entryId).toBe(ids[40]);
  });

  it("skips, counting why, entries that hold no valid event", async () => {
    await fill(redis, stream, numbered(3));
    await redis.xadd(stream, "*", "event", "{not json");
    await redis.xadd(stream, "*", "other", "x");
    const out = into();
    const summary = await replay({ source: inspector, stream, into: out });
    await out.close();
    expect(summary).toMatchObject({ scanned: 5, selected: 5, replayed: 3 });
    expect(summary.skipped).toEqual({ "not a valid event": 2 });
  });

  it("upcasts each event to its type's current schema version with a catalog", async () => {
    const catalog = defineEvents({
      PRICE: {
        schema: z.object({ amount: z.number(), currency: z.string() }),
        version: 2,
        upcast: { 1: (v1: Record<string, unknown>) => ({ ...v1, currency: "EUR" }) },
      },
    });
    await fill(redis, stream, [new Event("PRICE", { amount: 5 })]);
    const out = into();
    const summary = await replay({ source: inspector, stream, into: out, catalog });
    await out.close();
    expect(summary.replayed).toBe(1);
    const [written] = await readAll(redis, target);
    expect(written?.event.payload).toEqual({ amount: 5, currency: "EUR" });
    expect(written?.event.headers[HEADER.SCHEMA_VERSION]).toBe("2");
  });

  it("keeps to its rate", async () => {
    await fill(redis, stream, numbered(60));
    const out = into();
    const started = performance.now();
    await replay({ source: inspector, stream, into: out, rate: 100, batchSize: 10 });
    await out.close();
    // 60 events at 100/s: the last batch may go at 500 ms at the earliest.
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
  });
});

describe("replay() checks its options", () => {
  it("names a bad range, batch size or rate", async () => {
    const fake = { target: "x" } as never;
    const out = { description: "d" } as never;
    await expect(
      replay({ source: fake, stream: "s", into: out, since: "yesterday" }),
    ).rejects.toThrow(/Expected `since` to be an ISO-8601 time .* got `yesterday`/);
    await expect(replay({ source: fake, stream: "s", into: out, batchSize: 0 })).rejects.toThrow(
      /`batchSize` to be an integer from 1 to 1000/,
    );
    await expect(replay({ source: fake, stream: "s", into: out, rate: 0 })).rejects.toThrow(
      /`rate`/,
    );
  });
});
