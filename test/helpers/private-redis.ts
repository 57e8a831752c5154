/**
 * The usual setup of a Redis suite in one call: a private redis-server started before the
 * suite's tests, a plain ioredis client on it for looking at (and tampering with) Redis, and
 * both disposed of afterwards.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { RedisServer, type RedisServerOptions } from "./redis-server.js";

/** A plain ioredis connection for looking at (and tampering with) Redis from a test. */
export function rawClient(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
  // Some tests stop or kill the server under it; its reconnect errors are expected.
  redis.on("error", () => {});
  return redis;
}

export interface PrivateRedis {
  readonly server: RedisServer;
  readonly redis: Redis;
}

/** Call inside a `describeRedis` block; read `server` and `redis` from inside its tests. */
export function usePrivateRedis(options: RedisServerOptions = {}): PrivateRedis {
  let server: RedisServer | undefined;
  let redis: Redis | undefined;
  beforeAll(async () => {
    server = await RedisServer.start(options);
    redis = rawClient(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
  });
  return {
    get server(): RedisServer {
      if (server === undefined) throw new Error("usePrivateRedis: the server starts in beforeAll");
      return server;
    },
    get redis(): Redis {
      if (redis === undefined) throw new Error("usePrivateRedis: the client starts in beforeAll");
      return redis;
    },
  };
}
