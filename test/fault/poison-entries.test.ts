import { expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { pendingCount, readStream, startWorker, uniqueKey, waitUntil } from "./support.js";

class Recorder extends Organ {
  readonly listensTo = ["GOOD"];
  readonly seen: Event[] = [];
  handle(event: Event): void {
    this.seen.push(event);
  }
}

describeRedis("RedisBackend with poison entries", () => {
  const fixture = usePrivateRedis();

  it("moves entries that are not valid events to the dead-letter stream, acks them, and keeps going", async () => {
    const streamKey = uniqueKey("poison");
    const organ = new Recorder();
    const worker = startWorker([organ], { redisUrl: fixture.server.url, streamKey });
    try {
      await fixture.redis.xadd(streamKey, "*", "event", "{not json");
      await fixture.redis.xadd(
        streamKey,
        "*",
        "event",
        JSON.stringify({ event_type: "X", colour: "red" }),
      );
      await fixture.redis.xadd(streamKey, "*", "event", JSON.stringify({ payload: {} }));
      await fixture.redis.xadd(streamKey, "*", "body", "no event field here");
      const good = new Event("GOOD", { n: 1 });
      await fixture.redis.xadd(streamKey, "*", "event", JSON.stringify(good.toJSON()));

      await waitUntil("the valid event to be handled", () => organ.seen.length === 1);
      await waitUntil(
        "four dead letters",
        async () => (await fixture.redis.xlen(`${streamKey}:dlq`)) === 4,
      );
      await waitUntil(
        "nothing pending",
        async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) === 0,
      );

      expect(organ.seen[0]?.id).toBe(good.id);
      const stream = await readStream(fixture.redis, streamKey);
      // In the order of the entries they came from: entries read in separate batches may be
      // dead-lettered in either order (a CI run saw the third and fourth swapped).
      const position = new Map(stream.map((entry, i) => [entry.id, i]));
      const dlq = (await readStream(fixture.redis, `${streamKey}:dlq`)).sort(
        (a, b) =>
          (position.get(a.fields.original_id ?? "") ?? -1) -
          (position.get(b.fields.original_id ?? "") ?? -1),
      );
      expect(dlq.map((e) => e.fields.original_id)).toEqual(stream.slice(0, 4).map((e) => e.id));
      expect(dlq[0]?.fields.event).toBe("{not json");
      expect(dlq[0]?.fields.reason).toMatch(/not valid JSON/);
      expect(dlq[1]?.fields.reason).toMatch(/colour: is not a known field/);
      expect(dlq[2]?.fields.reason).toMatch(/event_type: must be a string/);
      expect(dlq[3]?.fields.reason).toMatch(/no "event" field \(fields: body\)/);
      for (const entry of dlq) {
        expect(Object.keys(entry.fields).sort()).toEqual([
          "event",
          "failed_at",
          "original_id",
          "reason",
        ]);
        expect(Number.isNaN(Date.parse(entry.fields.failed_at ?? ""))).toBe(false);
      }
      expect(worker.backend.metrics.eventsFailed).toBe(4);

      // Still consuming after the poison.
      const after = new Event("GOOD", { n: 2 });
      await worker.backend.enqueue(after);
      await waitUntil("the next event to be handled", () => organ.seen.length === 2);
      expect(organ.seen[1]?.id).toBe(after.id);
    } finally {
      await worker.stop();
    }
  });

  it("dead-letters an entry whose bytes are not valid UTF-8, keeping its bytes, instead of handling an altered event", async () => {
    const streamKey = uniqueKey("utf8");
    const organ = new Recorder();
    const worker = startWorker([organ], { redisUrl: fixture.server.url, streamKey });
    try {
      const event = new Event("GOOD", { name: "x" });
      // The payload string's "x" replaced by the bytes ff fe c3, which no UTF-8 text contains.
      const json = Buffer.from(JSON.stringify(event.toJSON()));
      const at = json.indexOf('"x"') + 1;
      const bytes = Buffer.concat([
        json.subarray(0, at),
        Buffer.from([0xff, 0xfe, 0xc3]),
        json.subarray(at + 1),
      ]);
      await fixture.redis.xadd(streamKey, "*", "event", bytes);
      const good = new Event("GOOD", { n: 1 });
      await worker.backend.enqueue(good);

      await waitUntil("the valid event to be handled", () => organ.seen.length === 1);
      await waitUntil(
        "one dead letter",
        async () => (await fixture.redis.xlen(`${streamKey}:dlq`)) === 1,
      );
      expect(organ.seen.map((e) => e.id)).toEqual([good.id]);
      const [entry] = (await fixture.redis.xrangeBuffer(`${streamKey}:dlq`, "-", "+")) as [
        Buffer,
        Buffer[],
      ][];
      const fields = new Map<string, Buffer>();
      const flat = entry?.[1] ?? [];
      for (let i = 0; i + 1 < flat.length; i += 2)
        fields.set(String(flat[i]), flat[i + 1] as Buffer);
      expect(String(fields.get("reason"))).toMatch(/field "event" is not valid UTF-8/);
      expect(fields.get("event")?.equals(bytes)).toBe(true);
      await waitUntil(
        "nothing pending",
        async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) === 0,
      );
    } finally {
      await worker.stop();
    }
  });

  it("handles an event whose text holds U+FFFD itself, and dead-letters entries with bytes that are not UTF-8 in a field name or in a field a later one replaces", async () => {
    const streamKey = uniqueKey("replacement-char");
    const organ = new Recorder();
    const worker = startWorker([organ], { redisUrl: fixture.server.url, streamKey });
    try {
      // Valid UTF-8 that decodes to the same character bad bytes decode to.
      const honest = new Event("GOOD", { name: "caf\uFFFD" });
      await fixture.redis.xadd(streamKey, "*", "event", JSON.stringify(honest.toJSON()));
      const good = new Event("GOOD", { n: 1 });
      await fixture.redis.xadd(
        streamKey,
        "*",
        Buffer.from([0x65, 0x76, 0xff]),
        JSON.stringify(new Event("GOOD", {}).toJSON()),
      );
      // The bad bytes sit in a field that a later field of the same name replaces.
      await fixture.redis.xadd(
        streamKey,
        "*",
        "note",
        Buffer.from([0x80]),
        "note",
        "fine",
        "event",
        JSON.stringify(new Event("GOOD", {}).toJSON()),
      );
      await worker.backend.enqueue(good);

      await waitUntil("both valid events to be handled", () => organ.seen.length === 2);
      await waitUntil(
        "two dead letters",
        async () => (await fixture.redis.xlen(`${streamKey}:dlq`)) === 2,
      );
      expect(organ.seen.map((e) => e.id)).toEqual([honest.id, good.id]);
      expect(organ.seen[0]?.payload).toEqual({ name: "caf\uFFFD" });
      const dead = await readStream(fixture.redis, `${streamKey}:dlq`);
      expect(dead[0]?.fields.reason).toMatch(/a field name is not valid UTF-8 \(bytes 65 76 ff\)/);
      expect(dead[1]?.fields.reason).toMatch(/field "note" is not valid UTF-8/);
    } finally {
      await worker.stop();
    }
  });
});
