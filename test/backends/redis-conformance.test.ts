import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { RedisBackend } from "../../src/redis.js";
import { rawClient } from "../fault/support.js";
import {
  describeRedisTarget,
  REDIS_URL,
  type RedisTarget,
  redisTarget,
} from "../helpers/redis-target.js";
import { runBackendConformance } from "./conformance.js";

describeRedisTarget("RedisBackend", () => {
  let target: RedisTarget;
  beforeAll(async () => {
    // Persistent, so the restart test can expect every entry back.
    target = await redisTarget({ appendOnly: true });
  });
  const keys: string[] = [];
  afterAll(async () => {
    // On a shared server (REDIS_URL), leave nothing behind.
    const redis = rawClient(target.url);
    for (const key of keys) await redis.del(key, `${key}:dlq`);
    redis.disconnect();
    await target.dispose();
  });

  runBackendConformance({
    name: "RedisBackend",
    features: {
      persistent: true,
      consumerGroups: true,
      guaranteedOrder: true,
      // Only a private server can be restarted.
      canRestart: REDIS_URL === undefined,
      redelivers: true,
    },
    async newQueue() {
      const streamKey = `conformance:${randomUUID()}`;
      keys.push(streamKey);
      return () =>
        new RedisBackend({
          redisUrl: target.url,
          streamKey,
          claimMinIdleMs: 1_000,
          claimIntervalMs: 100,
          logger: false,
        });
    },
    restart: async () => {
      await target.server?.restart();
    },
  });
});
