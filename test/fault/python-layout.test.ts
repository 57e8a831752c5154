import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { pendingCount, readStream, startWorker, uniqueKey, waitUntil } from "./support.js";

class Summon extends Organ {
  readonly listensTo = ["SUMMON_RITUAL"];
  readonly seen: Event[] = [];
  handle(event: Event): Event {
    this.seen.push(event);
    return new Event("SPIRIT_APPEARED", { spirit: event.payload.spirit as string });
  }
}

const PYTHON_MODEL_KEYS = ["id", "timestamp", "event_type", "payload"];

/**
 * What a NecroStack for Python consumer does with an entry: it reads the `event` field alone
 * (other fields are ignored) and validates it against its model, which forbids unknown keys.
 */
function readAsPython(fields: Record<string, string>): Record<string, unknown> {
  const data = JSON.parse(fields.event ?? "") as Record<string, unknown>;
  const unknown = Object.keys(data).filter((key) => !PYTHON_MODEL_KEYS.includes(key));
  if (unknown.length > 0) throw new Error(`extra fields not permitted: ${unknown.join(", ")}`);
  return data;
}

describeRedis("A stream shared with NecroStack for Python", () => {
  const fixture = usePrivateRedis();

  it("handles an entry in the Python layout and answers in the same layout, its headers in a field of their own", async () => {
    const streamKey = uniqueKey("python");
    const organ = new Summon();
    const worker = startWorker([organ], { redisUrl: fixture.server.url, streamKey });
    try {
      const id = randomUUID();
      // What NecroStack for Python writes: json.dumps of the model, isoformat() timestamps.
      await fixture.redis.xadd(
        streamKey,
        "*",
        "event",
        JSON.stringify({
          id,
          timestamp: "2025-10-31T23:59:59.999999+00:00",
          event_type: "SUMMON_RITUAL",
          payload: { spirit: "Ada Lovelace", candles: 3 },
        }),
      );
      await waitUntil("the Python event to be handled", () => organ.seen.length === 1);
      await waitUntil(
        "nothing pending",
        async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) === 0,
      );

      const [handled] = organ.seen;
      expect(handled?.id).toBe(id);
      expect(handled?.timestamp.toISOString()).toBe("2025-10-31T23:59:59.999Z");
      expect(handled?.payload).toEqual({ spirit: "Ada Lovelace", candles: 3 });
      // An entry with no headers field has no headers.
      expect(handled?.headers).toEqual({});
      const answer = (await readStream(fixture.redis, streamKey))[1];
      // The Spine stamps lineage on what it emits: the headers go beside the event, never in it.
      expect(Object.keys(answer?.fields ?? {})).toEqual(["event", "headers"]);
      expect(JSON.parse(answer?.fields.headers ?? "")).toEqual({
        "correlation-id": id,
        "causation-id": id,
        hop: "1",
      });
      const wire = readAsPython(answer?.fields ?? {});
      // Exactly the Python model's fields: it rejects unknown keys.
      expect(Object.keys(wire).sort()).toEqual(["event_type", "id", "payload", "timestamp"]);
      expect(wire.event_type).toBe("SPIRIT_APPEARED");
      expect(wire.payload).toEqual({ spirit: "Ada Lovelace" });
    } finally {
      await worker.stop();
    }
  });

  it("writes entries a Python reader reads, headers or not, and reads Python's back", async () => {
    const streamKey = uniqueKey("python-headers");
    const backend = new RedisBackend({ redisUrl: fixture.server.url, streamKey, logger: false });
    try {
      const events = [
        new Event("SUMMON_RITUAL", { spirit: "Ada Lovelace" }),
        new Event({
          eventType: "SUMMON_RITUAL",
          payload: { spirit: "Grace Hopper" },
          headers: { "correlation-id": randomUUID(), traceparent: "00-ab-cd-01" },
        }),
      ];
      for (const event of events) await backend.enqueue(event);
      const entries = await readStream(fixture.redis, streamKey);
      expect(entries.map((entry) => readAsPython(entry.fields))).toEqual(
        events.map((event) => event.toJSON()),
      );
      // And the same entries, read back here, keep their headers.
      for (const event of events) {
        const pulled = (await backend.pull(2_000)) as Event;
        expect(pulled.headers).toEqual(event.headers);
        await backend.ack(pulled);
      }
    } finally {
      await backend.close();
    }
  });
});
