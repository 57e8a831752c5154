import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { Event, FailoverBackend } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { runBackendConformance } from "../../src/testing.js";
import { rawClient, readStream } from "../fault/support.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";

const CLAIM_MIN_IDLE_MS = 1_000;
const CLAIM_INTERVAL_MS = 100;
const MAX_RETRIES = 3;

describeRedis("FailoverBackend over two Redis servers", () => {
  let primary: RedisServer;
  let secondary: RedisServer;
  beforeAll(async () => {
    [primary, secondary] = await Promise.all([
      RedisServer.start({ appendOnly: true }),
      RedisServer.start({ appendOnly: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([primary?.dispose(), secondary?.dispose()]);
  });

  const redisOn = (server: RedisServer, streamKey: string): RedisBackend =>
    new RedisBackend({
      redisUrl: server.url,
      streamKey,
      claimMinIdleMs: CLAIM_MIN_IDLE_MS,
      claimIntervalMs: CLAIM_INTERVAL_MS,
      maxRetries: MAX_RETRIES,
      logger: false,
    });

  runBackendConformance({
    name: "FailoverBackend",
    features: { consumerGroups: true, guaranteedOrder: true },
    redeliveryMs: CLAIM_MIN_IDLE_MS + CLAIM_INTERVAL_MS,
    maxAttempts: MAX_RETRIES,
    async newQueue() {
      const streamKey = `failover-conformance:${randomUUID()}`;
      return {
        open: () =>
          new FailoverBackend({
            primary: redisOn(primary, streamKey),
            secondary: redisOn(secondary, streamKey),
            logger: false,
          }),
        async deadLetters() {
          const letters: { eventId: string; reason: string }[] = [];
          for (const server of [primary, secondary]) {
            const redis = rawClient(server.url);
            try {
              for (const { fields } of await readStream(redis, `${streamKey}:dlq`)) {
                letters.push({
                  eventId: Event.fromJSON(fields.event ?? "").id,
                  reason: fields.reason ?? "",
                });
              }
            } finally {
              redis.disconnect();
            }
          }
          return letters;
        },
      };
    },
    restart: async () => {
      await Promise.all([primary.restart(), secondary.restart()]);
    },
  });
});
