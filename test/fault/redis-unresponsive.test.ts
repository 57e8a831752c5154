import { afterEach, expect, it } from "vitest";
import { BackendUnavailableError, Event, Organ, Spine } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { pendingCount, uniqueKey, waitUntil } from "./support.js";

class Counter extends Organ {
  readonly listensTo = ["JOB"];
  handled = 0;
  handle(_event: Event): void {
    this.handled++;
  }
}

/** A run's outcome, or "still running" once `ms` pass: a run that never ends fails the test. */
function outcomeWithin<T>(run: Promise<T>, ms: number): Promise<T | Error | "still running"> {
  return Promise.race([
    run.catch((error: unknown) => error as Error),
    new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), ms)),
  ]);
}

describeRedis("A Spine on a Redis that cannot answer", () => {
  const fixture = usePrivateRedis({ appendOnly: true });
  afterEach(async () => {
    fixture.server.resume();
    await fixture.server.start();
  });

  function spineOn(backend: RedisBackend, organ: Organ): Spine {
    return new Spine({
      organs: [organ],
      backend,
      logger: false,
      pollTimeoutMs: 200,
      maxConsecutiveBackendFailures: 3,
    });
  }

  it("rejects with BackendUnavailableError, and never resolves as idle, while Redis is killed with events waiting", {
    timeout: 60_000,
  }, async () => {
    const streamKey = uniqueKey("killed");
    const backend = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey,
      logger: false,
      commandTimeoutMs: 500,
    });
    // Connected, with its group, before the events arrive and Redis dies.
    expect(await backend.pull(50)).toBeNull();
    const producer = new RedisBackend({ redisUrl: fixture.server.url, streamKey, logger: false });
    for (let n = 0; n < 20; n++) await producer.enqueue(new Event("JOB", { n }));
    await producer.close();
    await fixture.server.kill();

    const organ = new Counter();
    const outcome = await outcomeWithin(
      spineOn(backend, organ).run(undefined, { until: "idle" }),
      40_000,
    );
    await backend.close();
    expect(outcome).toBeInstanceOf(BackendUnavailableError);
    expect(organ.handled).toBe(0);

    // Nothing was lost: once Redis is back, the events are all there.
    await fixture.server.start();
    expect(await fixture.redis.xlen(streamKey)).toBe(20);
  });

  it("rejects with BackendUnavailableError in bounded time while Redis is stopped (SIGSTOP), its reads unanswered", {
    timeout: 60_000,
  }, async () => {
    const streamKey = uniqueKey("stopped");
    const backend = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey,
      logger: false,
      commandTimeoutMs: 500,
    });
    // Connected and reading before Redis stops.
    await backend.pull(50);
    fixture.server.pause();
    const outcome = await outcomeWithin(spineOn(backend, new Counter()).run(), 40_000);
    expect(outcome).toBeInstanceOf(BackendUnavailableError);
    expect(backend.metrics.readsTimedOut).toBeGreaterThanOrEqual(1);
    fixture.server.resume();
    await backend.close();
  });

  it("fails a commit left unanswered by a stopped Redis after commandTimeoutMs, so stop() ends the run, and keeps the event pending", {
    timeout: 60_000,
  }, async () => {
    const streamKey = uniqueKey("commit-stopped");
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => {};
    const handling = new Promise<void>((resolve) => {
      started = resolve;
    });
    class Gated extends Organ {
      readonly listensTo = ["JOB"];
      async handle(_event: Event): Promise<Event> {
        started();
        await gate;
        return new Event("DONE", {});
      }
    }
    const backend = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey,
      logger: false,
      commandTimeoutMs: 500,
    });
    const spine = new Spine({
      organs: [new Gated()],
      backend,
      logger: false,
      pollTimeoutMs: 200,
      maxConsecutiveBackendFailures: 1_000,
    });
    const run = spine.run();
    await backend.enqueue(new Event("JOB", { n: 1 }));
    await handling;
    fixture.server.pause();
    release();
    // The commit is sent to a Redis that never answers; it must fail on its own.
    await waitUntil("the commit to fail", () => spine.getStats().enqueueFailures === 1, 10_000);
    spine.stop();
    const outcome = await outcomeWithin(run, 15_000);
    expect(outcome).not.toBe("still running");
    fixture.server.resume();
    await backend.close();
    // Not acked, nothing emitted: the entry waits for its redelivery.
    expect(await pendingCount(fixture.redis, streamKey, "necrostack")).toBe(1);
    expect(await fixture.redis.xlen(streamKey)).toBe(1);
  });
});

describeRedis("RedisBackend.close() with a commit in flight", () => {
  const fixture = usePrivateRedis();
  afterEach(() => {
    fixture.server.resume();
  });

  it("waits for the commit's answer, so the entry is acked and its events added, not left pending", {
    timeout: 30_000,
  }, async () => {
    const streamKey = uniqueKey("close-commit");
    const backend = new RedisBackend({ redisUrl: fixture.server.url, streamKey, logger: false });
    await backend.enqueue(new Event("JOB", { n: 1 }));
    const event = await backend.pull(2_000);
    expect(event).not.toBeNull();
    // The commit reaches a Redis that answers only once resumed.
    fixture.server.pause();
    const committed = backend.commit(event as Event, [new Event("DONE", {})]);
    const closed = backend.close();
    setTimeout(() => fixture.server.resume(), 300);
    await committed;
    await closed;
    expect(await pendingCount(fixture.redis, streamKey, "necrostack")).toBe(0);
    expect(await fixture.redis.xlen(streamKey)).toBe(2);
  });
});
