import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chartLines, niceCeiling } from "../../src/dashboard/ui/chart-geometry.js";
import {
  formatCount,
  formatDuration,
  formatRate,
  previewJson,
} from "../../src/dashboard/ui/format.js";

describe("dashboard chart geometry", () => {
  it("rounds the top of the scale up to 1, 2 or 5 times a power of ten, at least 1", () => {
    expect([0, 0.4, 1, 1.2, 3, 7, 10, 11, 240, 999].map(niceCeiling)).toEqual([
      1, 1, 1, 2, 5, 10, 10, 20, 500, 1000,
    ]);
  });

  it("keeps every point inside the box and leaves out samples older than the span", () => {
    const sample = fc.record({
      age: fc.integer({ min: 0, max: 20_000 }),
      inPerSec: fc.double({ min: 0, max: 1e6, noNaN: true }),
      outPerSec: fc.double({ min: 0, max: 1e6, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 50 }), (samples) => {
        const now = 1_000_000;
        const points = samples.map((s) => ({ ...s, at: now - s.age }));
        const lines = chartLines(points, 160, 30, 10_000, now);
        const inSpan = points.filter((p) => p.age <= 10_000).length;
        for (const line of [lines.in, lines.out]) {
          const pairs = line === "" ? [] : line.split(" ").map((p) => p.split(",").map(Number));
          expect(pairs).toHaveLength(inSpan);
          for (const [x, y] of pairs) {
            expect(x).toBeGreaterThanOrEqual(0);
            expect(x).toBeLessThanOrEqual(160);
            expect(y).toBeGreaterThanOrEqual(0);
            expect(y).toBeLessThanOrEqual(30);
          }
        }
        // The area under the in line closes along the bottom edge: two more points.
        expect(lines.inArea === "" ? 0 : lines.inArea.split(" ").length).toBe(
          inSpan === 0 ? 0 : inSpan + 2,
        );
        const top = Math.max(
          0,
          ...points.filter((p) => p.age <= 10_000).flatMap((p) => [p.inPerSec, p.outPerSec]),
        );
        expect(lines.max).toBeGreaterThanOrEqual(top);
      }),
    );
  });

  it("puts the newest sample at the right edge, a zero rate at the bottom and the top rate at the top", () => {
    const lines = chartLines([{ at: 5_000, inPerSec: 0, outPerSec: 5 }], 100, 20, 5_000, 5_000);
    expect(lines).toEqual({ in: "100,20", inArea: "100,20 100,20 100,20", out: "100,0", max: 5 });
  });
});

describe("dashboard formatting", () => {
  it("writes rates with one decimal below 10 and whole numbers above", () => {
    expect([0, 0.25, 9.94, 12.6, 12_345.4].map(formatRate)).toEqual([
      "0",
      "0.3",
      "9.9",
      "13",
      "12,345",
    ]);
  });

  it("writes durations in their two largest units", () => {
    expect(
      [850, 12_300, 242_000, 3 * 3_600_000 + 300_000, 2 * 86_400_000 + 4 * 3_600_000].map(
        formatDuration,
      ),
    ).toEqual(["850 ms", "12.3 s", "4 min 2 s", "3 h 5 min", "2 d 4 h"]);
  });

  it("shows an unknown count as a dash", () => {
    expect([null, undefined, Number.NaN, 1234].map(formatCount)).toEqual(["–", "–", "–", "1,234"]);
  });

  it("cuts a long payload preview with an ellipsis at the limit", () => {
    const text = previewJson({ note: "x".repeat(500) }, 40);
    expect(text).toHaveLength(40);
    expect(text.endsWith("…")).toBe(true);
  });
});
