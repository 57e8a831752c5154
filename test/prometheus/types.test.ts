import { describe, expectTypeOf, it } from "vitest";
import type { SpineObserver } from "../../src/index.js";
import {
  createMetrics,
  type MetricsOptions,
  type Outcome,
  type PrometheusMetrics,
  type ReasonKind,
} from "../../src/prometheus.js";

describe("necrostack/prometheus types", () => {
  it("createMetrics returns an observer with its registry, and nothing of its counters", () => {
    expectTypeOf(createMetrics).returns.toEqualTypeOf<PrometheusMetrics>();
    expectTypeOf<PrometheusMetrics>().toExtend<SpineObserver>();
    expectTypeOf<PrometheusMetrics["metrics"]>().returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf<keyof PrometheusMetrics>().toEqualTypeOf<
      keyof SpineObserver | "registry" | "contentType" | "metrics" | "backendLevels"
    >();
  });

  it("takes every option as optional", () => {
    expectTypeOf<Record<string, never>>().toExtend<MetricsOptions>();
    expectTypeOf<MetricsOptions["maxDeliveries"]>().toEqualTypeOf<number | undefined>();
  });

  it("names the fixed label values as literal unions", () => {
    expectTypeOf<Outcome>().toEqualTypeOf<"ack" | "retry" | "dead_letter" | "error">();
    expectTypeOf<ReasonKind>().toEqualTypeOf<
      "retries_exhausted" | "max_deliveries" | "loop_protection" | "invalid_event" | "other"
    >();
  });
});
