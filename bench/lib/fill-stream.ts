/** Filling a Redis stream with many events fast, for the suites that read one back. */
import type { Redis } from "ioredis";
import type { Event } from "../../src/index.js";

/**
 * Adds `count` events to `stream`, oldest first, 1,000 per pipeline, each with its wire JSON
 * and the headers `headersOf` gives it (stored as the backend stores them).
 */
export async function fillStream(
  redis: Redis,
  stream: string,
  count: number,
  eventAt: (i: number) => Event,
  headersOf: (event: Event) => Record<string, string>,
): Promise<void> {
  for (let from = 0; from < count; from += 1_000) {
    const pipeline = redis.pipeline();
    for (let i = from; i < Math.min(count, from + 1_000); i++) {
      const event = eventAt(i);
      pipeline.xadd(
        stream,
        "*",
        "event",
        JSON.stringify(event.toJSON()),
        "headers",
        JSON.stringify(headersOf(event)),
      );
    }
    await pipeline.exec();
  }
}
