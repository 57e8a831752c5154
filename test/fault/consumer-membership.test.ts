import { expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { startWorker, uniqueKey, waitUntil } from "./support.js";

/** Takes `ms` per event and records which events it ran. */
class Step extends Organ {
  readonly listensTo = ["JOB"];
  readonly ran: string[] = [];

  constructor(readonly ms: number) {
    super();
  }

  async handle(event: Event): Promise<void> {
    this.ran.push(event.id);
    await new Promise((resolve) => setTimeout(resolve, this.ms));
  }
}

/** The names of the group's consumers, and how many entries each holds. */
async function consumers(
  redis: ReturnType<typeof usePrivateRedis>["redis"],
  key: string,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const reply = (await redis
    .call("XINFO", "CONSUMERS", key, "necrostack")
    // No group yet: no consumers.
    .catch(() => [])) as unknown[][];
  for (const flat of reply) {
    const info = new Map<string, unknown>();
    for (let i = 0; i + 1 < flat.length; i += 2) info.set(String(flat[i]), flat[i + 1]);
    out.set(String(info.get("name")), Number(info.get("pending")));
  }
  return out;
}

describeRedis("Consumers in the group", () => {
  const fixture = usePrivateRedis();

  it("a closing consumer hands back its unserved entries, which a live consumer takes at once, and leaves the group", {
    timeout: 30_000,
  }, async () => {
    const streamKey = uniqueKey("leave");
    const options = {
      redisUrl: fixture.server.url,
      streamKey,
      // Far longer than the test: anything taken over was handed over, not claimed as idle.
      claimMinIdleMs: 20_000,
      claimIntervalMs: 50,
    };
    const events = Array.from({ length: 10 }, (_, n) => new Event("JOB", { n }));
    for (const event of events) {
      await fixture.redis.xadd(streamKey, "*", "event", JSON.stringify(event.toJSON()));
    }
    // a reads all ten at once and handles one at a time, a second each.
    const slow = new Step(1_000);
    const a = startWorker([slow], { ...options, consumerName: "a", batchSize: 10 });
    await waitUntil(
      "a to hold all ten",
      async () => (await consumers(fixture.redis, streamKey)).get("a") === 10,
    );
    const other = new Step(0);
    const b = startWorker([other], { ...options, consumerName: "b" });
    try {
      await waitUntil("a to handle its first event", () => slow.ran.length >= 1);
      await a.stop();

      expect((await consumers(fixture.redis, streamKey)).has("a")).toBe(false);
      await waitUntil(
        "every event handled",
        () => slow.ran.length + other.ran.length === 10,
        5_000,
      );
      expect(new Set([...slow.ran, ...other.ran])).toEqual(new Set(events.map((e) => e.id)));
      expect(other.ran.length).toBeGreaterThan(0);
    } finally {
      await b.stop();
    }
  });

  it("removes consumers idle past removeIdleConsumersAfterMs that hold nothing, and one that held entries once they are claimed", {
    timeout: 30_000,
  }, async () => {
    const streamKey = uniqueKey("clean-up");
    const redis = fixture.redis;
    await redis.call("XGROUP", "CREATE", streamKey, "necrostack", "0", "MKSTREAM");
    for (const name of ["dead-1", "dead-2", "dead-3"]) {
      await redis.call("XGROUP", "CREATECONSUMER", streamKey, "necrostack", name);
    }
    // dead-4 dies holding an entry.
    const event = new Event("JOB", { n: 1 });
    await redis.xadd(streamKey, "*", "event", JSON.stringify(event.toJSON()));
    await redis.call(
      "XREADGROUP",
      "GROUP",
      "necrostack",
      "dead-4",
      "COUNT",
      "1",
      "STREAMS",
      streamKey,
      ">",
    );

    const organ = new Step(0);
    const worker = startWorker([organ], {
      redisUrl: fixture.server.url,
      streamKey,
      consumerName: "live",
      claimMinIdleMs: 300,
      claimIntervalMs: 50,
      removeIdleConsumersAfterMs: 500,
    });
    try {
      await waitUntil("only the live consumer left", async () => {
        const names = [...(await consumers(redis, streamKey)).keys()];
        return names.length === 1 && names[0] === "live";
      });
      expect(organ.ran).toEqual([event.id]);
      expect(worker.backend.metrics.consumersRemoved).toBe(4);
    } finally {
      await worker.stop();
    }
  });
});
