import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
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

describeRedis("A stream shared with NecroStack for Python", () => {
  const fixture = usePrivateRedis();

  it("handles an entry in the Python layout and answers in the same layout", async () => {
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
      const answer = (await readStream(fixture.redis, streamKey))[1];
      expect(Object.keys(answer?.fields ?? {})).toEqual(["event"]);
      const wire = JSON.parse(answer?.fields.event ?? "") as Record<string, unknown>;
      // Exactly the Python model's fields: it rejects unknown keys.
      expect(Object.keys(wire).sort()).toEqual(["event_type", "id", "payload", "timestamp"]);
      expect(wire.event_type).toBe("SPIRIT_APPEARED");
      expect(wire.payload).toEqual({ spirit: "Ada Lovelace" });
    } finally {
      await worker.stop();
    }
  });
});
