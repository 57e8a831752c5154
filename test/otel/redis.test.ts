/**
 * Tracing on a RedisBackend in process: a retry policy's redelivery keeps the trace (each try is
 * a process span, child of the same send span) and records the try's own failure.
 */
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { expect, it } from "vitest";
import { Event, type HandlerContext, Organ } from "../../src/index.js";
import { createTracing } from "../../src/otel.js";
import { RedisBackend } from "../../src/redis.js";
import { startWorker, uniqueKey, waitUntil } from "../fault/support.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { only, parentOf, testSdk } from "./support.js";

/** Fails its first try. */
class FailsOnce extends Organ {
  readonly listensTo = ["JOB"];
  readonly attempts: number[] = [];

  constructor() {
    super("FailsOnce");
  }

  handle(_event: Event, ctx: HandlerContext): undefined {
    this.attempts.push(ctx.attempt);
    if (this.attempts.length === 1) throw new Error("the payment service timed out");
  }
}

describeRedis("necrostack/otel on Redis", () => {
  const fixture = usePrivateRedis();

  it("makes each delivery of a retried event a process span, child of its one send span", {
    timeout: 30_000,
  }, async () => {
    const streamKey = uniqueKey("otel-retry");
    const sdk = testSdk();
    const organ = new FailsOnce();
    const producer = new RedisBackend({ redisUrl: fixture.server.url, streamKey, logger: false });
    // The worker's names, given as options (its backend is made by startWorker).
    const tracing = await createTracing({
      system: "redis",
      destination: streamKey,
      consumerGroup: "necrostack",
      clientId: "w1",
      tracerProvider: sdk.provider,
      propagator: sdk.propagator,
    });
    const worker = startWorker(
      [organ],
      { redisUrl: fixture.server.url, streamKey, consumerName: "w1" },
      {
        middleware: [tracing.middleware],
        observers: [tracing.observer],
        retry: { JOB: { attempts: 2, backoff: { initialMs: 50, jitter: "none" } } },
      },
    );
    try {
      const job = new Event("JOB");
      await tracing.enqueue(producer, job);
      await waitUntil("the second try", () => organ.attempts.length === 2, 10_000);
    } finally {
      await worker.stop();
      await producer.close();
    }
    expect(organ.attempts).toEqual([1, 2]);
    const spans = sdk.spans();
    const send = only(spans, `send ${streamKey}`);
    const tries = spans.filter((s) => s.name === "process JOB");
    expect(tries).toHaveLength(2);
    for (const span of tries) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(parentOf(span)).toBe(send.spanContext().spanId);
      expect(span.attributes["messaging.consumer.group.name"]).toBe("necrostack");
      expect(span.attributes["messaging.client.id"]).toBe("w1");
    }
    const [first, second] = tries as [(typeof tries)[0], (typeof tries)[0]];
    // The failure the retry policy carried, not its "trying again" wrapper.
    expect(first.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "the payment service timed out",
    });
    expect(first.events.map((e) => e.name)).toEqual(["exception"]);
    expect(second.status).toEqual({ code: SpanStatusCode.UNSET });
  });
});
