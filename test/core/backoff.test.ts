import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoff } from "../../src/utils/backoff.js";

describe("backoff", () => {
  it("grows by the factor from the initial delay", () => {
    const options = { initialMs: 100, factor: 2 };
    expect([1, 2, 3, 4].map((retry) => backoff(options, retry))).toEqual([100, 200, 400, 800]);
  });

  it("never passes maxMs, however many retries", () => {
    expect(backoff({ initialMs: 100, factor: 2, maxMs: 1_000 }, 5)).toBe(1_000);
    expect(backoff({ initialMs: 100, factor: 2, maxMs: 1_000 }, 10_000)).toBe(1_000);
  });

  it("with full jitter, waits between 0 and the computed delay", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), (retry) => {
        const delay = backoff({ initialMs: 10, factor: 3, maxMs: 5_000, jitter: "full" }, retry);
        return delay >= 0 && delay <= Math.min(5_000, 10 * 3 ** (retry - 1));
      }),
    );
  });
});
