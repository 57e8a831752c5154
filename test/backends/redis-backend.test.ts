import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Event, InvalidOptionError, Organ } from "../../src/index.js";
import { RedisBackend, type RedisBackendOptions, RedisOperationError } from "../../src/redis.js";
import {
  captureLogger,
  observeFor,
  pendingCount,
  pendingEntries,
  rawClient,
  readStream,
  startWorker,
  waitUntil,
} from "../fault/support.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { describeRedisTarget, type RedisTarget, redisTarget } from "../helpers/redis-target.js";

describe("RedisBackend options", () => {
  it("names a bad option and what it got", () => {
    expect(() => new RedisBackend({ redisUrl: "redis://x", maxRetries: 0 })).toThrow(
      "Expected `maxRetries` to be an integer >= 1, got `0` (number)",
    );
    expect(() => new RedisBackend({ redisUrl: "redis://x", streamKey: " " })).toThrow(
      InvalidOptionError,
    );
    expect(() => new RedisBackend({ redisUrl: "redis://x", batchSize: 1.5 })).toThrow(
      /`batchSize`/,
    );
  });

  it("rejects a redis:// URL that does not parse, naming what is wrong without showing it", () => {
    let error: unknown;
    try {
      new RedisBackend({ redisUrl: "redis://admin:hunter2@db:notaport" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toMatch(/unparseable: its port is not a number/);
    expect(JSON.stringify(error)).not.toContain("hunter2");
    expect((error as Error).message).not.toContain("hunter2");
  });

  it("rejects a URL that is not redis:// or rediss://, without showing its password", () => {
    let error: unknown;
    try {
      new RedisBackend({ redisUrl: "http://admin:hunter2@db:6379" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toContain("http://admin:***@db:6379");
    expect((error as Error).message).not.toContain("hunter2");
  });

  it("requires the dead-letter stream to share the stream's hash tag", () => {
    expect(
      new RedisBackend({ redisUrl: "redis://h", streamKey: "{orders}:events" }).dlqStream,
    ).toBe("{orders}:events:dlq");
    expect(
      () =>
        new RedisBackend({
          redisUrl: "redis://h",
          streamKey: "{orders}:events",
          dlqStream: "dead",
        }),
    ).toThrow(/`dlqStream` to be a key with the same hash tag as streamKey \(\{orders\}\)/);
  });

  it("applies the documented defaults", () => {
    const backend = new RedisBackend({ redisUrl: "redis://127.0.0.1:1" });
    expect(backend.streamKey).toBe("necrostack:events");
    expect(backend.consumerGroup).toBe("necrostack");
    expect(backend.dlqStream).toBe("necrostack:events:dlq");
    expect(backend.consumerName).not.toBe(new RedisBackend({ redisUrl: "redis://h" }).consumerName);
    expect(backend.capabilities).toEqual({
      durable: true,
      atomicCommit: true,
      synchronous: false,
      delayedRelease: true,
      deadLetter: true,
      redelivery: true,
      idempotentEnqueue: true,
    });
  });
});

describeRedisTarget("RedisBackend", () => {
  let server: RedisTarget;
  let redis: Redis;
  const open: RedisBackend[] = [];
  const backend = (options: Partial<RedisBackendOptions> & { streamKey: string }): RedisBackend => {
    const created = new RedisBackend({ redisUrl: server.url, logger: false, ...options });
    open.push(created);
    return created;
  };
  const keys: string[] = [];
  const key = (): string => {
    const created = `unit:${randomUUID()}`;
    keys.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await redisTarget();
    redis = rawClient(server.url);
  });
  afterEach(async () => {
    for (const b of open.splice(0)) await b.close();
  });
  afterAll(async () => {
    // On a shared server (REDIS_URL), leave nothing behind.
    for (const created of keys) await redis.del(created, `${created}:dlq`);
    redis.disconnect();
    await server.dispose();
  });

  it("writes the event JSON in the entry's `event` field, in NecroStack for Python's layout", async () => {
    const streamKey = key();
    const event = new Event({
      eventType: "ORDER",
      payload: { id: 1 },
      timestamp: 1_705_314_645_123,
    });
    await backend({ streamKey }).enqueue(event);
    const [entry] = await readStream(redis, streamKey);
    expect(Object.keys(entry?.fields ?? {})).toEqual(["event"]);
    expect(JSON.parse(entry?.fields.event ?? "")).toEqual({
      id: event.id,
      timestamp: "2024-01-15T10:30:45.123Z",
      event_type: "ORDER",
      payload: { id: 1 },
    });
  });

  it("consumes an entry written by NecroStack for Python (microsecond +00:00 timestamp)", async () => {
    const streamKey = key();
    const id = randomUUID();
    await redis.xadd(
      streamKey,
      "*",
      "event",
      JSON.stringify({
        id,
        timestamp: "2024-01-15T10:30:45.123456+00:00",
        event_type: "SPIRIT_SUMMONED",
        payload: { name: "Ada", year: 1843 },
      }),
    );
    const b = backend({ streamKey });
    const event = await b.pull(2_000);
    expect(event?.id).toBe(id);
    expect(event?.eventType).toBe("SPIRIT_SUMMONED");
    expect(event?.timestamp.toISOString()).toBe("2024-01-15T10:30:45.123Z");
    expect(event?.payload).toEqual({ name: "Ada", year: 1843 });
    await b.ack(event as Event);
    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(0);
  });

  it("serves pulls with no time to wait: a later one hands out what an earlier one read", async () => {
    const streamKey = key();
    const b = backend({ streamKey });
    const sent = new Event("NOW");
    await b.enqueue(sent);
    let got: Event | null = null;
    await waitUntil("a pull(0) to hand out the event", async () => {
      got = await b.pull(0);
      return got !== null;
    });
    expect((got as Event | null)?.id).toBe(sent.id);
  });

  it("acks per delivered Event object, so an id that is in the stream twice is acked twice", async () => {
    const streamKey = key();
    const b = backend({ streamKey });
    const event = new Event("TWICE");
    await b.enqueue(event);
    await b.enqueue(event);
    const first = await b.pull(2_000);
    const second = await b.pull(2_000);
    expect(first?.id).toBe(event.id);
    expect(second?.id).toBe(event.id);
    await b.ack(first as Event);
    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(1);
    await b.ack(second as Event);
    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(0);
  });

  it("commits atomically: acks the event and adds what it emitted", async () => {
    const streamKey = key();
    const b = backend({ streamKey });
    await b.enqueue(new Event("START"));
    const start = (await b.pull(2_000)) as Event;
    await b.commit(start, [new Event("NEXT", { n: 1 }), new Event("NEXT", { n: 2 })]);
    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(0);
    const types = (await readStream(redis, streamKey)).map(
      (e) => JSON.parse(e.fields.event ?? "").event_type,
    );
    expect(types).toEqual(["START", "NEXT", "NEXT"]);
    expect(b.metrics).toMatchObject({ eventsEnqueued: 3, eventsAcked: 1, eventsPulled: 1 });
  });

  it("commits an entry found past the first page of a long pending list", async () => {
    const streamKey = key();
    // batchSize 1 reads one page of 4 pending entries to check ownership.
    const b = backend({ streamKey, batchSize: 1 });
    for (let n = 0; n < 6; n++) await b.enqueue(new Event("JOB", { n }));
    // Five entries stay pending for this consumer, unacked: older than the one committed below.
    for (let n = 0; n < 5; n++) await b.release((await b.pull(2_000)) as Event);
    const last = (await b.pull(2_000)) as Event;
    expect(last.payload.n).toBe(5);
    await b.commit(last, [new Event("JOB_DONE", { n: 5 })]);
    expect(b.metrics.commitsSkipped).toBe(0);
    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(5);
    const types = (await readStream(redis, streamKey)).map(
      (e) => JSON.parse(e.fields.event ?? "").event_type,
    );
    expect(types.at(-1)).toBe("JOB_DONE");
  });

  it("emits nothing from a consumer that lost its entry to another, and does not take it back", async () => {
    const streamKey = key();
    const stalled = backend({ streamKey, claimMinIdleMs: 100 });
    await stalled.enqueue(new Event("WORK"));
    const taken = (await stalled.pull(2_000)) as Event;
    const [entry] = await readStream(redis, streamKey);
    // What another consumer's recovery does once this one has stalled past claimMinIdleMs.
    await redis.call("XCLAIM", streamKey, "necrostack", "rescuer", 0, entry?.id ?? "");
    // Several keep-alive rounds of the stalled consumer pass: they must not claim it back.
    await observeFor(200);
    const owners = await pendingEntries(redis, streamKey, "necrostack");
    expect(owners.map((p) => p.consumer)).toEqual(["rescuer"]);

    await stalled.commit(taken, [new Event("FROM_STALLED")]);
    const types = (await readStream(redis, streamKey)).map(
      (e) => JSON.parse(e.fields.event ?? "").event_type,
    );
    expect(types).toEqual(["WORK"]);
    expect(stalled.metrics.commitsSkipped).toBe(1);
    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(1);
  });

  it("nack moves the entry to the dead-letter stream at once, with the reason", async () => {
    const streamKey = key();
    const b = backend({ streamKey });
    const event = new Event("BAD_ORDER", { sku: "x" });
    await b.enqueue(event);
    const taken = (await b.pull(2_000)) as Event;
    await b.nack(taken, "unknown SKU x");
    const [dead] = await readStream(redis, `${streamKey}:dlq`);
    const [original] = await readStream(redis, streamKey);
    expect(dead?.fields).toMatchObject({
      original_id: original?.id,
      event: original?.fields.event,
      reason: "unknown SKU x",
    });
    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(0);
    expect(b.metrics.eventsFailed).toBe(1);
  });

  it("trims the stream approximately with maxLen", async () => {
    const streamKey = key();
    const b = backend({ streamKey, maxLen: 10 });
    for (let i = 0; i < 500; i++) await b.enqueue(new Event("LOG", { i }));
    // "~" trims whole macro-nodes (100 entries by default), so the length stays near maxLen.
    expect(await redis.xlen(streamKey)).toBeLessThan(500);
  });

  it("reports health with the stream, group and dead-letter counts", async () => {
    const streamKey = key();
    const b = backend({ streamKey });
    await b.enqueue(new Event("A"));
    await b.enqueue(new Event("B"));
    await b.pull(2_000);
    const health = await b.health();
    expect(health.healthy).toBe(true);
    expect(health.details).toMatchObject({
      streamLength: 2,
      consumerGroup: "necrostack",
      consumerName: b.consumerName,
      groupExists: true,
      pending: 2,
      consumers: 1,
      dlqLength: 0,
    });
    // Both were read in one batch (one handed out, one waiting in it): both are pending.
    expect(health.details.lag).toBe(0);
    // A backend of another group, which has read nothing yet: its group does not exist.
    const other = backend({ streamKey, consumerGroup: "not-created-yet" });
    expect((await other.health()).details.groupExists).toBe(false);
  });

  it("leaves the group on close when it holds nothing, and stays while it holds entries", async () => {
    const streamKey = key();
    const idle = backend({ streamKey });
    const holding = backend({ streamKey });
    await idle.enqueue(new Event("HELD"));
    expect(await holding.pull(2_000)).not.toBeNull();
    expect(await idle.pull(50)).toBeNull();
    await idle.close();
    await holding.close();
    const consumers = (await redis.call(
      "XINFO",
      "CONSUMERS",
      streamKey,
      "necrostack",
    )) as unknown[][];
    expect(consumers.map((c) => c[1])).toEqual([holding.consumerName]);
  });

  it("hands back entries read but never handed out on close, for another consumer to take at once", async () => {
    const streamKey = key();
    // Long enough that only the hand-back can explain a quick takeover.
    const options = { streamKey, claimMinIdleMs: 60_000, claimIntervalMs: 50 };
    const leaving = backend(options);
    for (let n = 0; n < 10; n++) await leaving.enqueue(new Event("JOB", { n }));
    const first = (await leaving.pull(2_000)) as Event;
    await leaving.ack(first);
    await leaving.close();

    const staying = backend(options);
    const taken: Event[] = [];
    await waitUntil("the other nine entries", async () => {
      const event = await staying.pull(100);
      if (event !== null) taken.push(event);
      return taken.length === 9;
    });
    expect(taken.map((e) => e.payload.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Handed back with their delivery undone: this is their first counted delivery.
    const pending = await pendingEntries(redis, streamKey, "necrostack");
    expect(pending.map((p) => [p.consumer, p.deliveries])).toEqual(
      Array.from({ length: 9 }, () => [staying.consumerName, 1]),
    );
    expect(staying.metrics.pendingRecovered).toBe(9);
  });

  it("uses a client it is given for commands and leaves it open on close", async () => {
    const streamKey = key();
    const client = rawClient(server.url);
    const b = new RedisBackend({ redisUrl: "my-redis", client, streamKey, logger: false });
    await b.enqueue(new Event("VIA_CLIENT"));
    expect((await b.pull(2_000))?.eventType).toBe("VIA_CLIENT");
    await b.close();
    expect(await client.ping()).toBe("PONG");
    client.disconnect();
  });

  it("runs a Spine to the end of a chain with the atomic commit", async () => {
    class Step extends Organ {
      readonly listensTo = ["S1", "S2"];
      handle(event: Event): Event {
        return new Event(event.eventType === "S1" ? "S2" : "S3", event.payload);
      }
    }
    const done: Event[] = [];
    class Last extends Organ {
      readonly listensTo = ["S3"];
      handle(event: Event): void {
        done.push(event);
      }
    }
    const streamKey = key();
    const worker = startWorker([new Step(), new Last()], { redisUrl: server.url, streamKey });
    try {
      for (let n = 0; n < 100; n++) await worker.backend.enqueue(new Event("S1", { n }));
      await waitUntil("every chain to finish", () => done.length === 100);
      expect(done.map((e) => e.payload.n).sort((a, b) => Number(a) - Number(b))).toEqual(
        Array.from({ length: 100 }, (_, n) => n),
      );
    } finally {
      const stats = await worker.stop();
      expect(stats.eventsProcessed).toBe(300);
    }
    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(0);
  });
});

describeRedis("RedisBackend and passwords", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
    const admin = rawClient(server.url);
    await admin.config("SET", "requirepass", "s3cret-pw");
    admin.disconnect();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it("works with user:password@ and never shows a wrong password in logs or errors", async () => {
    const streamKey = `auth:${randomUUID()}`;
    const good = new RedisBackend({
      redisUrl: `redis://default:s3cret-pw@127.0.0.1:${server.port}`,
      streamKey,
      logger: false,
    });
    await good.enqueue(new Event("OK"));
    expect((await good.pull(2_000))?.eventType).toBe("OK");
    await good.close();

    const { logger, lines } = captureLogger();
    const bad = new RedisBackend({
      redisUrl: `redis://default:wrong-pw@127.0.0.1:${server.port}`,
      streamKey,
      logger,
    });
    const error = await bad.enqueue(new Event("NO")).then(
      () => undefined,
      (e: unknown) => e,
    );
    await bad.close();
    expect(error).toBeInstanceOf(RedisOperationError);
    expect((error as Error).message).toContain("redis://default:***@127.0.0.1");
    expect(JSON.stringify(lines)).not.toContain("wrong-pw");
    expect((error as Error).message).not.toContain("wrong-pw");
  });
});
