import { randomUUID } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { RedisBackend } from "../../src/redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { runBackendConformance } from "./conformance.js";

describeRedis("RedisBackend", () => {
  let server: RedisServer;
  beforeAll(async () => {
    // Persistent, so the restart test can expect every entry back.
    server = await RedisServer.start({ appendOnly: true });
  });
  afterAll(async () => {
    await server.dispose();
  });

  runBackendConformance({
    name: "RedisBackend",
    features: {
      persistent: true,
      consumerGroups: true,
      guaranteedOrder: true,
      canRestart: true,
      redelivers: true,
    },
    async newQueue() {
      const streamKey = `conformance:${randomUUID()}`;
      return () =>
        new RedisBackend({
          redisUrl: server.url,
          streamKey,
          claimMinIdleMs: 200,
          claimIntervalMs: 50,
          logger: false,
        });
    },
    restart: () => server.restart(),
  });
});
