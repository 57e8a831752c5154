/**
 * Tracing on the SDK an application registers globally (its own file: the registration is
 * process-wide, and the other tests need a process with none).
 */
import { propagation, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { Event, InMemoryBackend, organ, Spine } from "../../src/index.js";
import { createTracing } from "../../src/otel.js";
import { only, parentOf, testSdk } from "./support.js";

describe("createTracing on the global SDK", () => {
  it("uses a provider and propagator registered after it was created, before the Spine was built", async () => {
    const tracing = await createTracing({ backend: new InMemoryBackend() });
    expect(tracing.recording).toBe(false);

    const sdk = testSdk();
    trace.setGlobalTracerProvider(sdk.provider);
    propagation.setGlobalPropagator(sdk.propagator);
    expect(tracing.recording).toBe(true);

    const spine = new Spine({
      organs: [organ("A", ["A"], () => new Event("B")), organ("B", ["B"], () => undefined)],
      backend: new InMemoryBackend(),
      logger: false,
      middleware: [tracing.middleware],
      observers: [tracing.observer],
    });
    await spine.run(tracing.inject(new Event("A")));
    const spans = sdk.spans();
    expect(spans.map((s) => s.name)).toEqual([
      "send necrostack",
      "process A",
      "send necrostack",
      "process B",
    ]);
    const [sendA, processA, sendB, processB] = spans as [
      (typeof spans)[0],
      (typeof spans)[0],
      (typeof spans)[0],
      (typeof spans)[0],
    ];
    expect(parentOf(processA)).toBe(sendA.spanContext().spanId);
    expect(parentOf(sendB)).toBe(processA.spanContext().spanId);
    expect(parentOf(only(spans, "process B"))).toBe(sendB.spanContext().spanId);
    expect(processB.spanContext().traceId).toBe(sendA.spanContext().traceId);
  });
});
