import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { MOVE_DUE, SCHEDULE_RELEASE } from "../../src/backends/redis/delayed-release.js";
import { Event, InvalidOptionError } from "../../src/index.js";
import { RedisBackend, type RedisBackendOptions } from "../../src/redis.js";
import { observeFor, pendingCount, rawClient, readStream, waitUntil } from "../fault/support.js";
import { describeRedisTarget, type RedisTarget, redisTarget } from "../helpers/redis-target.js";

describeRedisTarget("RedisBackend delayed release", () => {
  let server: RedisTarget;
  let redis: Redis;
  const open: RedisBackend[] = [];
  const keys: string[] = [];
  const key = (): string => {
    const created = `delayed:${randomUUID()}`;
    keys.push(created);
    return created;
  };
  const backend = (options: Partial<RedisBackendOptions> & { streamKey: string }): RedisBackend => {
    const created = new RedisBackend({
      redisUrl: server.url,
      claimMinIdleMs: 1_000,
      claimIntervalMs: 50,
      logger: false,
      ...options,
    });
    open.push(created);
    return created;
  };
  /** Pulls until an event comes, for at most 5 s. */
  const next = async (from: RedisBackend): Promise<Event> => {
    let got: Event | null = null;
    await waitUntil("an event", async () => {
      got = await from.pull(100);
      return got !== null;
    });
    return got as unknown as Event;
  };

  beforeAll(async () => {
    server = await redisTarget();
    redis = rawClient(server.url);
  });
  afterEach(async () => {
    for (const b of open.splice(0)) await b.close();
  });
  afterAll(async () => {
    for (const k of keys) await redis.del(k, `${k}:dlq`, `${k}:delayed`, `${k}:delayed:data`);
    redis.disconnect();
    await server.dispose();
  });

  it("acks the entry, keeps it in the stream, and adds a copy on attempt 2 once due", async () => {
    const streamKey = key();
    const b = backend({ streamKey });
    const sent = new Event("LATER", { n: 1 });
    await b.enqueue(sent);
    const taken = await next(b);
    expect(b.deliveryAttempt(taken)).toBe(1);
    await b.release(taken, { reason: "busy", delayMs: 400 });

    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(0);
    expect(await redis.zcard(`${streamKey}:delayed`)).toBe(1);
    expect((await b.health()).details.delayed).toBe(1);
    expect(b.metrics.eventsDelayed).toBe(1);

    const again = await next(b);
    expect(again.id).toBe(sent.id);
    expect(b.deliveryAttempt(again)).toBe(2);
    await b.ack(again);
    // Still readable once settled, as an observer that runs after the ack reads it.
    expect(b.deliveryAttempt(again)).toBe(2);
    const [original, copy] = await readStream(redis, streamKey);
    expect(copy?.fields).toEqual({
      event: original?.fields.event,
      attempt: "2",
      for_group: "necrostack",
    });
    expect(await redis.exists(`${streamKey}:delayed`, `${streamKey}:delayed:data`)).toBe(0);
    expect(b.metrics.delayedMoved).toBe(1);
  });

  it("copies every other field of the entry, such as headers written by another producer", async () => {
    const streamKey = key();
    const b = backend({ streamKey });
    const sent = new Event("LATER");
    await redis.xadd(streamKey, "*", "event", JSON.stringify(sent.toJSON()), "trace", "t-1");
    const taken = await next(b);
    await b.release(taken, { delayMs: 1 });
    const again = await next(b);
    expect(again.id).toBe(sent.id);
    const [, copy] = await readStream(redis, streamKey);
    expect(copy?.fields).toMatchObject({ trace: "t-1", attempt: "2" });
  });

  it("counts attempts across copies: a copy released again comes back on attempt 3", async () => {
    const streamKey = key();
    const b = backend({ streamKey, maxRetries: 5 });
    await b.enqueue(new Event("AGAIN"));
    await b.release(await next(b), { delayMs: 1 });
    const second = await next(b);
    expect(b.deliveryAttempt(second)).toBe(2);
    await b.release(second, { delayMs: 1 });
    const third = await next(b);
    expect(b.deliveryAttempt(third)).toBe(3);
    const entries = await readStream(redis, streamKey);
    expect(entries.map((e) => e.fields.attempt)).toEqual([undefined, "2", "3"]);
  });

  it("dead-letters an event released on its maxRetries-th attempt, with the reason, instead of scheduling it", async () => {
    const streamKey = key();
    const b = backend({ streamKey, maxRetries: 2 });
    await b.enqueue(new Event("DOOMED"));
    await b.release(await next(b), { reason: "boom 1", delayMs: 1 });
    const last = await next(b);
    expect(b.deliveryAttempt(last)).toBe(2);
    await b.release(last, { reason: "boom 2", delayMs: 1 });
    const [dead] = await readStream(redis, `${streamKey}:dlq`);
    expect(dead?.fields.reason).toBe("Failed on all 2 deliveries; last failure: boom 2");
    expect(await redis.zcard(`${streamKey}:delayed`)).toBe(0);
    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(0);
    await observeFor(200);
    expect(await b.pull(50)).toBeNull();
  });

  it("dead-letters a copy claimed from a dead consumer once it would pass maxRetries attempts", async () => {
    const streamKey = key();
    const options = { streamKey, maxRetries: 2, claimMinIdleMs: 150 };
    const dying = backend(options);
    await dying.enqueue(new Event("DOOMED"));
    await dying.release(await next(dying), { delayMs: 1 });
    // The copy, on attempt 2 of 2, is taken by a consumer that dies with it.
    expect(dying.deliveryAttempt(await next(dying))).toBe(2);
    await dying.close();

    const survivor = backend(options);
    await waitUntil(
      "a dead letter",
      async () => {
        await survivor.pull(50);
        return (await redis.xlen(`${streamKey}:dlq`)) === 1;
      },
      5_000,
    );
    const [dead] = await readStream(redis, `${streamKey}:dlq`);
    expect(dead?.fields.reason).toBe("Exceeded 2 deliveries (claimed on attempt 3)");
    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(0);
  });

  it("delivers a copy only to the group that released it; other groups ack it unhandled", async () => {
    const streamKey = key();
    const orders = backend({ streamKey, consumerGroup: "orders" });
    const audit = backend({ streamKey, consumerGroup: "audit" });
    const sent = new Event("PLACED");
    await orders.enqueue(sent);
    await audit.ack(await next(audit));
    await orders.release(await next(orders), { delayMs: 1 });
    const again = await next(orders);
    expect(again.id).toBe(sent.id);
    await orders.ack(again);
    await observeFor(200);
    expect(await audit.pull(50)).toBeNull();
    await waitUntil(
      "the audit group to ack the copy",
      async () => (await pendingCount(redis, streamKey, "audit")) === 0,
    );
    expect(await redis.xlen(streamKey)).toBe(2);
  });

  it("moves each due entry once while many movers run at once", async () => {
    const streamKey = key();
    const scheduled = [`${streamKey}:delayed`, `${streamKey}:delayed:data`];
    await redis.xgroup("CREATE", streamKey, "g", "0", "MKSTREAM");
    for (let n = 0; n < 50; n++) {
      await redis.xadd(streamKey, "*", "event", JSON.stringify(new Event("DUE", { n }).toJSON()));
    }
    const read = (await redis.xreadgroup(
      "GROUP",
      "g",
      "c",
      "COUNT",
      50,
      "STREAMS",
      streamKey,
      ">",
    )) as [string, [string, string[]][]][];
    for (const [id] of read[0]?.[1] ?? []) {
      expect(
        await redis.eval(
          SCHEDULE_RELEASE.source,
          3,
          streamKey,
          ...scheduled,
          "g",
          "c",
          id,
          0,
          2,
          "",
        ),
      ).toBe(1);
    }
    const movers = Array.from({ length: 4 }, () => rawClient(server.url));
    try {
      const rounds = await Promise.all(
        movers.flatMap((mover) =>
          Array.from({ length: 5 }, () =>
            mover.eval(MOVE_DUE.source, 3, streamKey, ...scheduled, 10, 0),
          ),
        ),
      );
      const moved = rounds.reduce((sum: number, round) => sum + Number((round as number[])[0]), 0);
      expect(moved).toBe(50);
    } finally {
      for (const mover of movers) mover.disconnect();
    }
    const copies = (await readStream(redis, streamKey)).filter((e) => e.fields.attempt === "2");
    expect(copies).toHaveLength(50);
    expect(new Set(copies.map((e) => JSON.parse(e.fields.event ?? "").payload.n)).size).toBe(50);
    expect(await redis.exists(...scheduled)).toBe(0);
  });

  it("delivers each delayed event once more while two consumers run their movers", async () => {
    const streamKey = key();
    const a = backend({ streamKey });
    const b = backend({ streamKey });
    const sent = Array.from({ length: 20 }, (_, n) => new Event("JOB", { n }));
    for (const event of sent) await a.enqueue(event);
    const attempts = new Map<string, number[]>();
    const deadline = Date.now() + 10_000;
    await Promise.all(
      [a, b].map(async (consumer) => {
        while (Date.now() < deadline && [...attempts.values()].flat().length < 40) {
          const event = await consumer.pull(50);
          if (event === null) continue;
          const attempt = consumer.deliveryAttempt(event);
          attempts.set(event.id, [...(attempts.get(event.id) ?? []), attempt]);
          if (attempt === 1) await consumer.release(event, { delayMs: 200 });
          else await consumer.ack(event);
        }
      }),
    );
    await observeFor(300);
    expect(await a.pull(50)).toBeNull();
    expect(await b.pull(50)).toBeNull();
    expect([...attempts.keys()].sort()).toEqual(sent.map((e) => e.id).sort());
    for (const seen of attempts.values()) expect(seen).toEqual([1, 2]);
  });

  it("schedules an entry trimmed from the stream while pending from the event it holds, headers included", async () => {
    const streamKey = key();
    const b = backend({ streamKey });
    const sent = new Event({ eventType: "TRIMMED", payload: { n: 1 }, headers: { tenant: "t-1" } });
    await b.enqueue(sent);
    const taken = await next(b);
    const [entry] = await readStream(redis, streamKey);
    await redis.xdel(streamKey, entry?.id ?? "");
    await b.release(taken, { delayMs: 1 });
    const again = await next(b);
    expect(again.equals(sent)).toBe(true);
    expect(again.headers.tenant).toBe("t-1");
    expect(b.deliveryAttempt(again)).toBe(2);
  });

  it("rejects a delayMs that is not a finite number of ms >= 0, and leaves the entry pending", async () => {
    const streamKey = key();
    const b = backend({ streamKey });
    await b.enqueue(new Event("BAD_DELAY"));
    const taken = await next(b);
    await expect(b.release(taken, { delayMs: -1 })).rejects.toThrow(InvalidOptionError);
    expect(await pendingCount(redis, streamKey, "necrostack")).toBe(1);
    expect(await redis.zcard(`${streamKey}:delayed`)).toBe(0);
  });
});
