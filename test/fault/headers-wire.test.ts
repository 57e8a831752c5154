/**
 * Event headers on a Redis stream: a `headers` field (a JSON object) beside the `event` field,
 * written only when the event has headers, so the `event` field stays NecroStack for Python's
 * exact four keys. An entry without the field reads as no headers; one whose field is not valid
 * headers is dead-lettered with the reason, its fields copied as they were.
 */
import fc from "fast-check";
import { afterEach, expect, it } from "vitest";
import { MAX_HEADERS, MAX_HEADERS_BYTES } from "../../src/core/headers.js";
import { Event } from "../../src/index.js";
import { RedisBackend, type RedisBackendOptions } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { pendingCount, readStream, uniqueKey, waitUntil } from "./support.js";

const GROUP = "necrostack";
const PYTHON_KEYS = ["event_type", "id", "payload", "timestamp"];

describeRedis("Event headers on a Redis stream", () => {
  const fixture = usePrivateRedis();
  const open: RedisBackend[] = [];

  function backend(options: Partial<RedisBackendOptions> = {}): RedisBackend {
    const created = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey: uniqueKey("headers"),
      logger: false,
      ...options,
    });
    open.push(created);
    return created;
  }

  afterEach(async () => {
    for (const b of open.splice(0)) await b.close();
  });

  /** The `event` field's keys, sorted: exactly the Python model's four. */
  function eventKeys(fields: Record<string, string>): string[] {
    return Object.keys(JSON.parse(fields.event ?? "") as object).sort();
  }

  it("writes a headers field only for an event that has headers, and the event field as Python's four keys", async () => {
    const b = backend();
    const plain = new Event("ORDER_PLACED", { orderId: "o-1" });
    const headed = new Event({
      eventType: "ORDER_PLACED",
      payload: { orderId: "o-2" },
      headers: { "correlation-id": plain.id, tenant: "t-1" },
    });
    await b.enqueue(plain);
    await b.enqueue(headed);

    const [first, second] = await readStream(fixture.redis, b.streamKey);
    expect(Object.keys(first?.fields ?? {})).toEqual(["event"]);
    expect(Object.keys(second?.fields ?? {})).toEqual(["event", "headers"]);
    expect(JSON.parse(second?.fields.headers ?? "")).toEqual({
      "correlation-id": plain.id,
      tenant: "t-1",
    });
    expect(eventKeys(second?.fields ?? {})).toEqual(PYTHON_KEYS);
    expect(JSON.parse(second?.fields.event ?? "")).toEqual(headed.toJSON());
  });

  it("reads an entry without a headers field, as NecroStack for Python writes it, as no headers", async () => {
    const b = backend();
    const id = "3f2b8c1e-9d4a-4e7b-8f6a-1c2d3e4f5a6b";
    await fixture.redis.xadd(
      b.streamKey,
      "*",
      "event",
      JSON.stringify({
        id,
        timestamp: "2025-10-31T23:59:59.999999+00:00",
        event_type: "SUMMON_RITUAL",
        payload: { spirit: "Ada Lovelace" },
      }),
    );
    const pulled = await b.pull(2_000);
    expect(pulled?.id).toBe(id);
    expect(pulled?.headers).toEqual({});
    await b.ack(pulled as Event);
  });

  it("reads the headers back as they were written", async () => {
    const b = backend();
    const headers = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
    await b.enqueue(new Event({ eventType: "A", headers }));
    const pulled = await b.pull(2_000);
    expect(pulled?.headers).toEqual(headers);
    expect(Object.isFrozen(pulled?.headers)).toBe(true);
    await b.ack(pulled as Event);
  });

  it("dead-letters an entry whose headers field is not valid headers, with the reason, copying its fields", async () => {
    const b = backend();
    const event = JSON.stringify(new Event("BAD_HEADERS").toJSON());
    const tooMany = JSON.stringify(
      Object.fromEntries(Array.from({ length: MAX_HEADERS + 1 }, (_, i) => [`h${i}`, "v"])),
    );
    const cases: [string, string, RegExp][] = [
      ["not JSON", "{not json", /^Invalid event: headers: is not valid JSON: /],
      ["empty", "", /^Invalid event: headers: is not valid JSON: /],
      ["an array", '["a"]', /headers: must be a JSON object of strings, got array$/],
      ["a string", '"tenant=t-1"', /headers: must be a JSON object of strings, got string$/],
      ["a bad name", '{"Tenant":"t-1"}', /headers\.Tenant: "Tenant" is not a valid header name/],
      ["a number value", '{"hop":1}', /headers\.hop: must be a string, got `1` \(number\)$/],
      ["too many", tooMany, /headers: has 65 headers; the limit is 64/],
      [
        "too large",
        JSON.stringify({ blob: "x".repeat(MAX_HEADERS_BYTES) }),
        /headers: is 8203 bytes as JSON; the limit is 8192 bytes \(MAX_HEADERS_BYTES\); the largest is "blob"/,
      ],
    ];
    const ids: string[] = [];
    for (const [, headers] of cases) {
      ids.push(
        String(await fixture.redis.xadd(b.streamKey, "*", "event", event, "headers", headers)),
      );
    }
    const good = new Event("GOOD");
    await b.enqueue(good);

    const pulled = await b.pull(2_000);
    expect(pulled?.id).toBe(good.id);
    await b.ack(pulled as Event);
    await waitUntil(
      "every bad entry in the dead-letter stream",
      async () => (await fixture.redis.xlen(b.dlqStream)) === cases.length,
    );
    await waitUntil(
      "nothing pending",
      async () => (await pendingCount(fixture.redis, b.streamKey, GROUP)) === 0,
    );

    const letters = await readStream(fixture.redis, b.dlqStream);
    cases.forEach(([what, headers, reason], i) => {
      const letter = letters.find((l) => l.fields.original_id === ids[i]);
      expect(letter, what).toBeDefined();
      expect(letter?.fields.reason, what).toMatch(reason);
      expect(letter?.fields.event, what).toBe(event);
      expect(letter?.fields.headers, what).toBe(headers);
    });
  });

  it("commits each emitted event with its own headers, and no headers field for one without", async () => {
    const b = backend();
    await b.enqueue(new Event("START"));
    const start = (await b.pull(2_000)) as Event;
    const headed = new Event({ eventType: "NEXT", payload: { n: 1 }, headers: { tenant: "t-1" } });
    const plain = new Event("NEXT", { n: 2 });
    await b.commit(start, [headed, plain]);

    const entries = await readStream(fixture.redis, b.streamKey);
    expect(entries.map((e) => Object.keys(e.fields))).toEqual([
      ["event"],
      ["event", "headers"],
      ["event"],
    ]);
    expect(JSON.parse(entries[1]?.fields.headers ?? "")).toEqual({ tenant: "t-1" });
    for (const entry of entries) expect(eventKeys(entry.fields)).toEqual(PYTHON_KEYS);
    expect(await pendingCount(fixture.redis, b.streamKey, GROUP)).toBe(0);

    const [second, third] = [(await b.pull(2_000)) as Event, (await b.pull(2_000)) as Event];
    expect(second.headers).toEqual({ tenant: "t-1" });
    expect(third.headers).toEqual({});
  });

  it("commits events of which none has headers with no headers field", async () => {
    const b = backend();
    await b.enqueue(new Event("START"));
    const start = (await b.pull(2_000)) as Event;
    await b.commit(start, [new Event("NEXT", { n: 1 }), new Event("NEXT", { n: 2 })]);
    const entries = await readStream(fixture.redis, b.streamKey);
    expect(entries.map((e) => Object.keys(e.fields))).toEqual([["event"], ["event"], ["event"]]);
  });

  it("keeps an entry's headers in its dead letter", async () => {
    const b = backend();
    const headers = { tenant: "t-1", "schema-version": "2" };
    await b.enqueue(new Event({ eventType: "REJECTED", headers }));
    const pulled = (await b.pull(2_000)) as Event;
    await b.nack(pulled, "rejected by the test");

    const [letter] = await readStream(fixture.redis, b.dlqStream);
    expect(Object.keys(letter?.fields ?? {})).toEqual([
      "original_id",
      "event",
      "headers",
      "reason",
      "failed_at",
    ]);
    expect(JSON.parse(letter?.fields.headers ?? "")).toEqual(headers);
  });

  it("keeps the headers in the dead letter of an entry trimmed from the stream while pending", async () => {
    const b = backend();
    const headers = { tenant: "t-1" };
    await b.enqueue(new Event({ eventType: "TRIMMED", headers }));
    const pulled = (await b.pull(2_000)) as Event;
    const [entry] = await readStream(fixture.redis, b.streamKey);
    await fixture.redis.xdel(b.streamKey, entry?.id ?? "");
    await b.nack(pulled, "rejected after the entry was trimmed");

    const [letter] = await readStream(fixture.redis, b.dlqStream);
    expect(JSON.parse(letter?.fields.event ?? "")).toEqual(pulled.toJSON());
    expect(JSON.parse(letter?.fields.headers ?? "")).toEqual(headers);
  });

  it("round-trips any valid headers through a real stream", { timeout: 60_000 }, async () => {
    const b = backend();
    const name = fc
      .tuple(
        fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
        fc.string({ unit: fc.constantFrom(..."abcxyz019._-"), maxLength: 20 }),
      )
      .map(([first, rest]) => first + rest);
    const headers = fc.dictionary(name, fc.string({ unit: "binary", maxLength: 60 }), {
      maxKeys: 20,
    });
    await fc.assert(
      fc.asyncProperty(headers, async (given) => {
        const event = new Event({ eventType: "ROUND_TRIP", payload: { n: 1 }, headers: given });
        await b.enqueue(event);
        const pulled = (await b.pull(2_000)) as Event;
        await b.ack(pulled);
        expect(pulled.equals(event)).toBe(true);
        expect(pulled.headers).toEqual(given);
        expect(Object.keys(pulled.headers)).toEqual(Object.keys(given));
      }),
      { numRuns: 50 },
    );
  });
});
