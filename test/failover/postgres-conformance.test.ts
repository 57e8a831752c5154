import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { Event, FailoverBackend } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { RedisBackend } from "../../src/redis.js";
import { runBackendConformance } from "../../src/testing.js";
import { rawClient, readStream } from "../fault/support.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { RedisServer } from "../helpers/redis-server.js";
import { deadLetters, uniqueStream } from "../postgres/support.js";

const MAX_RETRIES = 3;
const CLAIM_MIN_IDLE_MS = 1_000;
const CLAIM_INTERVAL_MS = 100;

describePostgres("FailoverBackend: a PostgreSQL primary, a Redis secondary", () => {
  const pg = usePrivatePostgres();
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start({ appendOnly: true });
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  runBackendConformance({
    name: "FailoverBackend (PostgreSQL primary, Redis secondary)",
    features: { consumerGroups: true, guaranteedOrder: true },
    redeliveryMs: CLAIM_MIN_IDLE_MS + CLAIM_INTERVAL_MS,
    maxAttempts: MAX_RETRIES,
    async newQueue() {
      const stream = uniqueStream("failover");
      const streamKey = `failover:${randomUUID()}`;
      return {
        open: () =>
          new FailoverBackend({
            primary: new PostgresBackend({
              url: pg.server.url,
              stream,
              maxRetries: MAX_RETRIES,
              logger: false,
            }),
            secondary: new RedisBackend({
              redisUrl: redis.url,
              streamKey,
              claimMinIdleMs: CLAIM_MIN_IDLE_MS,
              claimIntervalMs: CLAIM_INTERVAL_MS,
              maxRetries: MAX_RETRIES,
              logger: false,
            }),
            logger: false,
          }),
        async deadLetters() {
          const letters = (await deadLetters(pg.pool, stream)).map(({ eventId, reason }) => ({
            eventId,
            reason,
          }));
          const client = rawClient(redis.url);
          try {
            for (const { fields } of await readStream(client, `${streamKey}:dlq`)) {
              letters.push({
                eventId: Event.fromJSON(fields.event ?? "").id,
                reason: fields.reason ?? "",
              });
            }
          } finally {
            client.disconnect();
          }
          return letters;
        },
      };
    },
    restart: async () => {
      await Promise.all([pg.server.restart(), redis.restart()]);
    },
  });
});
