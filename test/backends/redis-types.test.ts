/**
 * The public types of `necrostack/redis`, checked by the compiler (`npm run typecheck`). Each
 * `@ts-expect-error` fails the check when the misuse below it stops being an error.
 */
import type { Redis } from "ioredis";
import { describe, expectTypeOf, it } from "vitest";
import type {
  Backend,
  BackendCapabilities,
  BackendHealth,
  Event,
  ReleaseOptions,
} from "../../src/index.js";
import type {
  RedisBackend,
  RedisBackendHealth,
  RedisBackendMetrics,
  RedisBackendOptions,
} from "../../src/redis.js";

describe("necrostack/redis types", () => {
  it("types RedisBackend as a Backend with atomic commit, nack, release and deliveryAttempt", () => {
    expectTypeOf<RedisBackend>().toMatchTypeOf<Backend>();
    expectTypeOf<RedisBackend["capabilities"]>().toEqualTypeOf<BackendCapabilities>();
    expectTypeOf<RedisBackend["commit"]>().toBeFunction();
    expectTypeOf<RedisBackend["release"]>().parameter(0).toEqualTypeOf<Event>();
    expectTypeOf<RedisBackend["release"]>()
      .parameter(1)
      .toEqualTypeOf<ReleaseOptions | undefined>();
    expectTypeOf<RedisBackend["release"]>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<RedisBackend["deliveryAttempt"]>().returns.toEqualTypeOf<number>();
    expectTypeOf<RedisBackend["metrics"]>().toEqualTypeOf<RedisBackendMetrics>();
    expectTypeOf<ReturnType<RedisBackend["health"]>>().toEqualTypeOf<Promise<RedisBackendHealth>>();
    expectTypeOf<RedisBackendHealth>().toMatchTypeOf<BackendHealth>();
  });

  it("types the options as the issue lists them", () => {
    expectTypeOf<RedisBackendOptions["redisUrl"]>().toEqualTypeOf<string>();
    expectTypeOf<RedisBackendOptions["client"]>().toEqualTypeOf<Redis | undefined>();
    expectTypeOf<RedisBackendOptions["maxLen"]>().toEqualTypeOf<number | undefined>();
    // @ts-expect-error redisUrl is required
    const missing: RedisBackendOptions = { streamKey: "s" };
    // @ts-expect-error maxRetries is a number
    const wrong: RedisBackendOptions = { redisUrl: "redis://h", maxRetries: "3" };
    expectTypeOf(missing).not.toBeAny();
    expectTypeOf(wrong).not.toBeAny();
  });

  it("types metrics and health details as read-only numbers and names", () => {
    expectTypeOf<RedisBackendMetrics["pendingRecovered"]>().toEqualTypeOf<number>();
    expectTypeOf<RedisBackendHealth["details"]["lag"]>().toEqualTypeOf<number | null>();
    expectTypeOf<RedisBackendHealth["details"]["consumerName"]>().toEqualTypeOf<string>();
    const metrics = {} as RedisBackendMetrics;
    // @ts-expect-error metrics are read-only
    metrics.eventsAcked = 1;
  });
});
