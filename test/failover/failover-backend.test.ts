import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { EnqueueTarget } from "../../src/backends/failover/enqueue-target.js";
import {
  type Backend,
  Event,
  FailoverBackend,
  InMemoryBackend,
  InvalidOptionError,
} from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

describe("FailoverBackend options", () => {
  it("refuses a missing or repeated backend and out-of-range numbers, naming the option", () => {
    const memory = new InMemoryBackend();
    expect(
      () => new FailoverBackend({ primary: memory, secondary: undefined as unknown as Backend }),
    ).toThrow(/`secondary` to be a Backend/);
    expect(() => new FailoverBackend({ primary: memory, secondary: memory })).toThrow(
      /`secondary` to be a backend other than `primary`/,
    );
    const other = new InMemoryBackend();
    expect(() => new FailoverBackend({ primary: memory, secondary: other, failAfter: 0 })).toThrow(
      InvalidOptionError,
    );
    expect(
      () => new FailoverBackend({ primary: memory, secondary: other, probeIntervalMs: -1 }),
    ).toThrow(/`probeIntervalMs` to be an integer >= 1, got `-1`/);
    expect(
      () => new FailoverBackend({ primary: memory, secondary: other, dedupe: { maxIds: 0 } }),
    ).toThrow(/dedupe\.maxIds/);
  });

  it("declares what both backends declare, never synchronous", () => {
    const failover = new FailoverBackend({
      primary: new InMemoryBackend(),
      secondary: new RedisBackend({ redisUrl: "redis://127.0.0.1:1", logger: false }),
    });
    expect(failover.capabilities).toEqual({
      durable: false,
      atomicCommit: false,
      synchronous: false,
      delayedRelease: false,
      deadLetter: false,
      redelivery: false,
    });
  });
});

describe("EnqueueTarget", () => {
  it("moves to the secondary after failAfter primary failures in a row, not fewer", () => {
    const target = new EnqueueTarget(3, 1_000);
    expect(target.primaryFailed(0)).toBe(false);
    expect(target.primaryFailed(1)).toBe(false);
    target.primarySucceeded();
    expect(target.primaryFailed(2)).toBe(false);
    expect(target.primaryFailed(3)).toBe(false);
    expect(target.active).toBe("primary");
    expect(target.primaryFailed(4)).toBe(true);
    expect(target.active).toBe("secondary");
    expect(target.switches).toBe(1);
  });

  it("asks for a probe once per interval while on the secondary, and moves back when it succeeds", () => {
    const target = new EnqueueTarget(1, 1_000);
    expect(target.probeDue(0)).toBe(false);
    target.primaryFailed(100);
    expect(target.probeDue(500)).toBe(false);
    expect(target.probeDue(1_100)).toBe(true);
    expect(target.probeDue(1_200)).toBe(false);
    expect(target.probeDue(2_100)).toBe(true);
    expect(target.primarySucceeded()).toBe(true);
    expect(target.active).toBe("primary");
    expect(target.switches).toBe(2);
    expect(target.primarySucceeded()).toBe(false);
  });
});

describeRedis("FailoverBackend on two streams of one Redis", () => {
  const fixture = usePrivateRedis();

  const pair = () => {
    const key = `failover:${randomUUID()}`;
    const options = { redisUrl: fixture.server.url, logger: false, claimMinIdleMs: 300 } as const;
    const primary = new RedisBackend({ ...options, streamKey: `${key}:p` });
    const secondary = new RedisBackend({ ...options, streamKey: `${key}:s` });
    return {
      primary,
      secondary,
      failover: new FailoverBackend({ primary, secondary, logger: false }),
    };
  };

  it("enqueues to the primary and hands out events from both", async () => {
    const { primary, secondary, failover } = pair();
    try {
      const onSecondary = new Event("OLD", {});
      await secondary.enqueue(onSecondary);
      const sent = new Event("NEW", {});
      await failover.enqueue(sent);
      expect(await fixture.redis.xlen(primary.streamKey)).toBe(1);
      const got = new Set<string>();
      for (let i = 0; i < 2; i++) {
        const event = failover.take() ?? (await failover.pull(2_000));
        if (event !== null) {
          got.add(event.id);
          await failover.ack(event);
        }
      }
      expect(got).toEqual(new Set([onSecondary.id, sent.id]));
      expect((await failover.health()).details.active).toBe("primary");
    } finally {
      await failover.close();
    }
  });

  it("drops a copy found on the other backend, and acks it there", async () => {
    const { primary, secondary, failover } = pair();
    try {
      const event = new Event("JOB", { n: 1 });
      await primary.enqueue(event);
      await secondary.enqueue(Event.fromJSON(JSON.stringify(event.toJSON())));
      const first = failover.take() ?? (await failover.pull(2_000));
      expect(first?.id).toBe(event.id);
      await failover.ack(first as Event);
      expect(await failover.pull(500)).toBeNull();
      expect(failover.metrics.copiesDropped).toBe(1);
      for (const stream of [primary.streamKey, secondary.streamKey]) {
        const [pending] = (await fixture.redis.xpending(stream, "necrostack")) as [number];
        expect(pending).toBe(0);
      }
    } finally {
      await failover.close();
    }
  });

  it("hands out a redelivery from the same backend: its first delivery was never committed", async () => {
    const { primary, failover } = pair();
    try {
      const event = new Event("JOB", { n: 2 });
      await primary.enqueue(event);
      const first = failover.take() ?? (await failover.pull(2_000));
      expect(first?.id).toBe(event.id);
      await failover.release(first as Event);
      const again = await failover.pull(3_000);
      expect(again?.id).toBe(event.id);
      expect(failover.deliveryAttempt(again as Event)).toBe(2);
      expect(failover.metrics.copiesDropped).toBe(0);
    } finally {
      await failover.close();
    }
  });
});
