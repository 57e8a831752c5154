/**
 * Where the Redis tests that need no fault injection run: the Redis at `REDIS_URL` when it is
 * set (your own server; tests use unique keys and leave the rest alone), else a private
 * redis-server. Tests that stop, kill or reconfigure the server always start a private one.
 */
import { describe } from "vitest";
import { describeRedis, RedisServer, type RedisServerOptions } from "./redis-server.js";

/** The Redis the tests were pointed at, if any. */
export const REDIS_URL = process.env.REDIS_URL === "" ? undefined : process.env.REDIS_URL;

/** One Redis for a test file. */
export interface RedisTarget {
  readonly url: string;
  /** The private server, when the tests started one (so it can be restarted); else undefined. */
  readonly server: RedisServer | undefined;
  /** Stops the private server; leaves `REDIS_URL`'s server alone. */
  dispose(): Promise<void>;
}

/** `REDIS_URL` when set, else a private redis-server started with `options`. */
export async function redisTarget(options: RedisServerOptions = {}): Promise<RedisTarget> {
  if (REDIS_URL !== undefined) {
    return { url: REDIS_URL, server: undefined, dispose: async () => {} };
  }
  const server = await RedisServer.start(options);
  return { url: server.url, server, dispose: () => server.dispose() };
}

/** `describe` for suites that run on {@link redisTarget}: they need no redis-server binary when `REDIS_URL` is set. */
export const describeRedisTarget: typeof describe =
  REDIS_URL === undefined ? describeRedis : describe;
