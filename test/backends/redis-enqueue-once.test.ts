import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

describeRedis("RedisBackend.enqueueOnce", () => {
  const fixture = usePrivateRedis();

  it("adds an event once per id and resolves false for a copy", async () => {
    const streamKey = `once:${randomUUID()}`;
    const backend = new RedisBackend({ redisUrl: fixture.server.url, streamKey, logger: false });
    const sent = new Event({ eventType: "AUDIT", payload: { n: 1 }, headers: { "x-origin": "a" } });
    try {
      expect(await backend.enqueueOnce(sent)).toBe(true);
      expect(await backend.enqueueOnce(Event.fromJSON(JSON.stringify(sent.toJSON())))).toBe(false);
      expect(await fixture.redis.xlen(streamKey)).toBe(1);
      const got = await backend.pull(1_000);
      expect(got?.id).toBe(sent.id);
      expect(got?.headers["x-origin"]).toBe("a");
      await backend.ack(got as Event);
      // Still a copy once the first was consumed: the window outlives the entry.
      expect(await backend.enqueueOnce(sent)).toBe(false);
      expect(await fixture.redis.zscore(`${streamKey}:once`, sent.id)).not.toBeNull();
    } finally {
      await backend.close();
    }
  });

  it("adds a copy sent by two backends at once exactly once", async () => {
    const streamKey = `once:${randomUUID()}`;
    const open = () => new RedisBackend({ redisUrl: fixture.server.url, streamKey, logger: false });
    const [one, two] = [open(), open()];
    const events = Array.from({ length: 50 }, (_, n) => new Event("AUDIT", { n }));
    try {
      const added = await Promise.all(
        events.flatMap((event) => [one.enqueueOnce(event), two.enqueueOnce(event)]),
      );
      expect(added.filter(Boolean)).toHaveLength(50);
      expect(await fixture.redis.xlen(streamKey)).toBe(50);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it("keeps the window of remembered ids bounded, forgetting the oldest first", async () => {
    const streamKey = `once:${randomUUID()}`;
    const backend = new RedisBackend({ redisUrl: fixture.server.url, streamKey, logger: false });
    const { ENQUEUE_ONCE, onceKey } = await import("../../src/backends/redis/enqueue-once.js");
    try {
      // The script with a window of 3 (the backend's is 100,000).
      const run = (id: string) =>
        fixture.redis.eval(
          ENQUEUE_ONCE.source,
          2,
          streamKey,
          onceKey(streamKey),
          id,
          String(Date.now()),
          "3",
          "0",
          JSON.stringify(new Event("AUDIT", {}).toJSON()),
          "",
        );
      for (const id of ["a", "b", "c", "d"]) expect(await run(id)).toBe(1);
      expect(await fixture.redis.zrange(onceKey(streamKey), "0", "-1")).toEqual(["b", "c", "d"]);
      expect(await run("d")).toBe(0);
      expect(await run("a")).toBe(1);
    } finally {
      await backend.close();
    }
  });
});
