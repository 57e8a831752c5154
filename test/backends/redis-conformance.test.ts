import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { runBackendConformance } from "../../src/testing.js";
import { rawClient, readStream } from "../fault/support.js";
import {
  describeRedisTarget,
  REDIS_URL,
  type RedisTarget,
  redisTarget,
} from "../helpers/redis-target.js";

const CLAIM_MIN_IDLE_MS = 1_000;
const CLAIM_INTERVAL_MS = 100;
const MAX_RETRIES = 3;

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
    for (const key of keys) {
      await redis.del(key, `${key}:dlq`, `${key}:delayed`, `${key}:delayed:data`);
    }
    redis.disconnect();
    await target.dispose();
  });

  runBackendConformance({
    name: "RedisBackend",
    features: { consumerGroups: true, guaranteedOrder: true },
    redeliveryMs: CLAIM_MIN_IDLE_MS + CLAIM_INTERVAL_MS,
    maxAttempts: MAX_RETRIES,
    async newQueue() {
      const streamKey = `conformance:${randomUUID()}`;
      keys.push(streamKey);
      return {
        open: () =>
          new RedisBackend({
            redisUrl: target.url,
            streamKey,
            claimMinIdleMs: CLAIM_MIN_IDLE_MS,
            claimIntervalMs: CLAIM_INTERVAL_MS,
            maxRetries: MAX_RETRIES,
            logger: false,
          }),
        async deadLetters() {
          const redis = rawClient(target.url);
          try {
            return (await readStream(redis, `${streamKey}:dlq`)).map(({ fields }) => ({
              eventId: Event.fromJSON(fields.event ?? "").id,
              reason: fields.reason ?? "",
            }));
          } finally {
            redis.disconnect();
          }
        },
      };
    },
    // Only a private server can be restarted.
    ...(REDIS_URL === undefined && {
      restart: async () => {
        await target.server?.restart();
      },
    }),
  });
});
