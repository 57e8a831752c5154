/**
 * Reading ahead: while the latest pull's signal is live, RedisBackend reads the next batch as
 * soon as the last entry it holds is committed, instead of waiting for the next pull.
 */
import { afterEach, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { pendingCount, uniqueKey, waitUntil } from "../fault/support.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

describeRedis("RedisBackend reading ahead", () => {
  const fixture = usePrivateRedis();
  const open: RedisBackend[] = [];
  const backendOn = (streamKey: string): RedisBackend => {
    const backend = new RedisBackend({ redisUrl: fixture.server.url, streamKey, logger: false });
    open.push(backend);
    return backend;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((backend) => backend.close()));
  });

  it("reads the next batch when the last held entry is committed, while the pull's signal is live", async () => {
    const streamKey = uniqueKey("read-ahead");
    const backend = backendOn(streamKey);
    const run = new AbortController();
    await backend.enqueue(new Event("FIRST", {}));
    const first = await backend.pull(2_000, run.signal);
    expect(first?.eventType).toBe("FIRST");
    await backend.enqueue(new Event("SECOND", {}));
    await backend.commit(first as Event, [new Event("THIRD", {})]);
    // No pull since: SECOND was read when FIRST's commit went out (THIRD too, if Redis ran the
    // commit before the read: the two travel on different connections).
    await waitUntil(
      "SECOND pending for this consumer",
      async () => (await pendingCount(fixture.redis, streamKey, "necrostack")) >= 1,
    );
    expect(backend.take()?.eventType).toBe("SECOND");
    expect(backend.metrics.eventsPulled).toBe(2);
  });

  it("reads nothing ahead after a pull without a signal, or once the signal has aborted", async () => {
    const streamKey = uniqueKey("no-read-ahead");
    const backend = backendOn(streamKey);
    await backend.enqueue(new Event("FIRST", {}));
    const first = await backend.pull(2_000);
    await backend.commit(first as Event, [new Event("NEXT", {})]);

    const run = new AbortController();
    const next = await backend.pull(2_000, run.signal);
    expect(next?.eventType).toBe("NEXT");
    run.abort();
    await backend.commit(next as Event, [new Event("LAST", {})]);
    // Give a read the time it would take, then look: LAST is in the stream, delivered to nobody.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await pendingCount(fixture.redis, streamKey, "necrostack")).toBe(0);
    expect(backend.take()).toBeUndefined();
    expect(await fixture.redis.xlen(streamKey)).toBe(3);
  });

  it("hands back on close what a read ahead delivered, for another consumer to take at once", async () => {
    const streamKey = uniqueKey("read-ahead-close");
    const backend = backendOn(streamKey);
    const run = new AbortController();
    await backend.enqueue(new Event("FIRST", {}));
    const first = await backend.pull(2_000, run.signal);
    // Waiting in the stream when FIRST is committed: the read ahead takes it.
    await backend.enqueue(new Event("SECOND", {}));
    const committing = backend.commit(first as Event, [new Event("NEXT", {})]);
    const closing = backend.close();
    await committing;
    await closing;
    // Whatever the read ahead delivered was handed back (to the group's parking consumer), not
    // left pending on the closed one: another backend gets SECOND and NEXT without waiting for
    // claimMinIdleMs (30 s).
    const other = backendOn(streamKey);
    const got = [await other.pull(5_000), await other.pull(5_000)];
    expect(got.map((e) => e?.eventType).sort()).toEqual(["NEXT", "SECOND"]);
  });
});
