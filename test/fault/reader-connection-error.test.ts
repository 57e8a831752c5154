import { expect, it } from "vitest";
import { Event, Organ } from "../../src/index.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { observeFor, startWorker, uniqueKey, waitUntil } from "./support.js";

/** Takes `ms` per event and records which events it ran. */
class SlowStep extends Organ {
  readonly listensTo = ["SLOW"];
  readonly ran: string[] = [];
  started: () => void = () => {};

  constructor(readonly ms: number) {
    super();
  }

  async handle(event: Event): Promise<void> {
    this.ran.push(event.id);
    this.started();
    await new Promise((resolve) => setTimeout(resolve, this.ms));
  }
}

/** `CLIENT LIST` as one record per connection. */
async function clients(
  redis: ReturnType<typeof usePrivateRedis>["redis"],
): Promise<Record<string, string>[]> {
  const text = String(await redis.call("CLIENT", "LIST"));
  return text
    .trim()
    .split("\n")
    .map((line) => Object.fromEntries(line.split(" ").map((pair) => pair.split("=", 2))));
}

describeRedis("RedisBackend after a socket error on its reader connection alone", () => {
  const fixture = usePrivateRedis();

  it("keeps its entries alive through the command connection, so a slow handler keeps its entry", {
    timeout: 30_000,
  }, async () => {
    const streamKey = uniqueKey("reader-error");
    const options = {
      redisUrl: fixture.server.url,
      streamKey,
      claimMinIdleMs: 1_000,
      claimIntervalMs: 50,
    };
    const slow = new SlowStep(4_000);
    const started = new Promise<void>((resolve) => {
      slow.started = resolve;
    });
    const a = startWorker([slow], { ...options, consumerName: "a" });
    const other = new SlowStep(0);
    let b: ReturnType<typeof startWorker> | undefined;
    const redis = fixture.redis;
    try {
      await a.backend.enqueue(new Event("SLOW", { n: 1 }));
      await started;
      // a's reader: the only connection reading so far.
      let reader: Record<string, string> | undefined;
      await waitUntil("a's reader connected", async () => {
        reader = (await clients(redis)).find((c) => c.cmd === "xreadgroup");
        return reader !== undefined;
      });
      b = startWorker([other], { ...options, consumerName: "b" });
      await waitUntil(
        "b's reader connected",
        async () => (await clients(redis)).filter((c) => c.cmd === "xreadgroup").length === 2,
      );
      expect(slow.ran).toHaveLength(1);

      // No new connection is accepted, then a's reader is cut: its reconnection attempts fail
      // with "max number of clients reached" while its command connection stays up.
      const connected = (await clients(redis)).length;
      await redis.call("CONFIG", "SET", "maxclients", String(connected - 1));
      await redis.call("CLIENT", "KILL", "ID", String(reader?.id));
      // Four times claimMinIdleMs: without a keep-alive, b claims the entry within this time.
      await observeFor(3_000);
      await redis.call("CONFIG", "SET", "maxclients", "10000");
      await waitUntil("the slow handler to finish", () => a.spine.getStats().eventsProcessed === 1);

      expect(other.ran).toEqual([]);
      expect(b.backend.metrics.pendingRecovered).toBe(0);
      // Connections say whose they are in CLIENT LIST.
      expect((await clients(redis)).map((c) => c.name)).toContain("a:commands");
    } finally {
      await redis.call("CONFIG", "SET", "maxclients", "10000");
      await a.stop();
      await b?.stop();
    }
  });
});
