import { SpanKind, SpanStatusCode, type TextMapPropagator, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import {
  Event,
  type HandlerContext,
  HEADER,
  InMemoryBackend,
  InvalidOptionError,
  organ,
  Spine,
} from "../../src/index.js";
import { createTracing, OpenTelemetryMissingError, type Tracing } from "../../src/otel.js";
import { only, parentOf, type TestSdk, testSdk, useContextManager } from "./support.js";

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/;

async function traced(sdk: TestSdk, extra: Record<string, unknown> = {}): Promise<Tracing> {
  return createTracing({
    backend: new InMemoryBackend(),
    tracerProvider: sdk.provider,
    propagator: sdk.propagator,
    ...extra,
  });
}

function spine(tracing: Tracing, organs: readonly object[], options: Record<string, unknown> = {}) {
  return new Spine({
    organs,
    backend: new InMemoryBackend(),
    logger: false,
    middleware: [tracing.middleware],
    observers: [tracing.observer],
    ...options,
  });
}

/** A -> B -> C, recording every event each organ emitted. */
function chain() {
  const emitted: Event[] = [];
  const emit = (type: string) => (event: Event) => {
    const next = new Event(type, { from: event.eventType });
    emitted.push(next);
    return next;
  };
  const organs = [
    organ("OrganA", ["A"], emit("B")),
    organ("OrganB", ["B"], emit("C")),
    organ("OrganC", ["C"], () => undefined),
  ];
  return { organs, emitted };
}

describe("createTracing on the in-memory backend", () => {
  it("makes a chain A -> B -> C one trace: send, process, send, process, send, process", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const { organs, emitted } = chain();
    const start = new Event("A", { n: 1 });
    await spine(tracing, organs).run(tracing.inject(start));

    const spans = sdk.spans();
    expect(spans.map((s) => s.name).sort()).toEqual(
      [
        "send necrostack",
        "process A",
        "send necrostack",
        "process B",
        "send necrostack",
        "process C",
      ].sort(),
    );
    const [b, c] = emitted as [Event, Event];
    const sendOf = (id: string): ReadableSpan => {
      const found = spans.filter(
        (s) => s.name === "send necrostack" && s.attributes["messaging.message.id"] === id,
      );
      expect(found).toHaveLength(1);
      return found[0] as ReadableSpan;
    };
    const sendA = sendOf(start.id);
    const sendB = sendOf(b.id);
    const sendC = sendOf(c.id);
    const processA = only(spans, "process A");
    const processB = only(spans, "process B");
    const processC = only(spans, "process C");

    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(parentOf(sendA)).toBeUndefined();
    expect(parentOf(processA)).toBe(sendA.spanContext().spanId);
    expect(parentOf(sendB)).toBe(processA.spanContext().spanId);
    expect(parentOf(processB)).toBe(sendB.spanContext().spanId);
    expect(parentOf(sendC)).toBe(processB.spanContext().spanId);
    expect(parentOf(processC)).toBe(sendC.spanContext().spanId);

    for (const span of [sendA, sendB, sendC]) expect(span?.kind).toBe(SpanKind.PRODUCER);
    for (const span of [processA, processB, processC]) expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(processA.instrumentationScope.name).toBe("necrostack");

    expect(sendA.attributes).toEqual({
      "messaging.system": "in_memory",
      "messaging.operation.type": "send",
      "messaging.operation.name": "send",
      "messaging.destination.name": "necrostack",
      "messaging.message.id": start.id,
      "messaging.message.conversation_id": start.id,
      "necrostack.event_type": "A",
      "necrostack.hop": 0,
      "necrostack.correlation_id": start.id,
    });
    expect(processA.attributes).toEqual({
      "messaging.system": "in_memory",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": "necrostack",
      "messaging.message.id": start.id,
      "messaging.message.conversation_id": start.id,
      "necrostack.organ": "OrganA",
      "necrostack.hop": 0,
      "necrostack.correlation_id": start.id,
    });
    expect(sendB.attributes).toEqual({
      "messaging.system": "in_memory",
      "messaging.operation.type": "send",
      "messaging.operation.name": "send",
      "messaging.destination.name": "necrostack",
      "messaging.message.id": b.id,
      "messaging.message.conversation_id": start.id,
      "necrostack.event_type": "B",
      "necrostack.organ": "OrganA",
      "necrostack.hop": 1,
      "necrostack.correlation_id": start.id,
    });
    expect(processC.attributes).toEqual({
      "messaging.system": "in_memory",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": "necrostack",
      "messaging.message.id": c.id,
      "messaging.message.conversation_id": start.id,
      "necrostack.organ": "OrganC",
      "necrostack.hop": 2,
      "necrostack.correlation_id": start.id,
    });
    for (const span of spans) expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("ends an emitted event's send span when the Spine commits it, after its process span", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const { organs } = chain();
    await spine(tracing, organs).run(new Event("A"));
    const names = sdk.spans().map((s) => s.name);
    // Spans are exported as they end: process A ends before the commit that ends send B.
    expect(names).toEqual([
      "process A",
      "send necrostack",
      "process B",
      "send necrostack",
      "process C",
    ]);
  });

  it("writes the send span's context as the emitted event's traceparent, beside its lineage", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const { organs } = chain();
    const seen: Event[] = [];
    const probe = organ("Probe", ["B"], (event: Event) => {
      seen.push(event);
    });
    const start = new Event("A");
    await spine(tracing, [...organs, probe]).run(start);
    const b = seen[0] as Event;
    const sendB = sdk.spans().find((s) => s.attributes["necrostack.event_type"] === "B");
    const { traceId, spanId } = sendB?.spanContext() ?? {};
    expect(b.headers[HEADER.TRACEPARENT]).toBe(`00-${traceId}-${spanId}-01`);
    expect(b.headers[HEADER.CORRELATION_ID]).toBe(start.id);
    expect(b.headers[HEADER.CAUSATION_ID]).toBe(start.id);
    expect(b.headers[HEADER.HOP]).toBe("1");
  });

  it("makes one process span per organ, each a child of the event's send span", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const first = organ("First", ["A"], () => undefined);
    const second = organ("Second", ["A"], () => undefined);
    await spine(tracing, [first, second]).run(tracing.inject(new Event("A")));
    const spans = sdk.spans();
    const send = only(spans, "send necrostack");
    const processes = spans.filter((s) => s.name === "process A");
    expect(processes.map((s) => s.attributes["necrostack.organ"])).toEqual(["First", "Second"]);
    for (const span of processes) expect(parentOf(span)).toBe(send.spanContext().spanId);
  });

  it("records a handler's failure on its process span: status ERROR, the exception event and error.type", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const broken = organ("Broken", ["A"], async () => {
      throw new RangeError("no such order o-1");
    });
    await spine(tracing, [broken]).run(new Event("A"));
    const span = only(sdk.spans(), "process A");
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "no such order o-1" });
    expect(span.attributes["error.type"]).toBe("RangeError");
    expect(span.events.map((e) => [e.name, e.attributes?.["exception.message"]])).toEqual([
      ["exception", "no such order o-1"],
    ]);
  });

  it("records a synchronous throw the same way, and the Spine still sees the error", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const broken = organ("Broken", ["A"], () => {
      throw new TypeError("bad payload");
    });
    const s = spine(tracing, [broken], { handlerFailureMode: "store" });
    await s.run(new Event("A"));
    expect(s.failedEvents().map((f) => (f.error as Error).message)).toEqual(["bad payload"]);
    const span = only(sdk.spans(), "process A");
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes["error.type"]).toBe("TypeError");
  });

  it("ends the send spans of an event released instead of committed with status ERROR", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const emits = organ("Emits", ["A"], () => new Event("B"));
    const fails = organ("Fails", ["A"], () => {
      throw new Error("downstream is down");
    });
    await spine(tracing, [emits, fails], { handlerFailureMode: "nack" }).run(new Event("A"));
    const send = only(sdk.spans(), "send necrostack");
    expect(send.status.code).toBe(SpanStatusCode.ERROR);
    expect(send.status.message).toBe(
      "not sent: the event that emitted it was released (Organ Fails failed: downstream is down)",
    );
  });

  it("ends the send span of an event the backend refused with its error, and the others as sent", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const [first, second] = [new Event("B", { i: 1 }), new Event("B", { i: 2 })];
    const emits = organ("Emits", ["A"], () => [first, second]);
    const s = new Spine({
      organs: [emits],
      backend: new InMemoryBackend({ maxSize: 1 }),
      logger: false,
      middleware: [tracing.middleware],
      observers: [tracing.observer],
      enqueueFailureMode: "store",
      maxSteps: 1,
    });
    await s.run(new Event("A")).catch(() => undefined);
    const sendOf = (event: Event) =>
      sdk.spans().find((span) => span.attributes["messaging.message.id"] === event.id);
    // The queue holds one event: the second does not fit and is kept in the failed-event store.
    expect(sendOf(first)?.status).toEqual({ code: SpanStatusCode.UNSET });
    expect(sendOf(second)?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: expect.stringMatching(/^Backend is full \(maxSize 1\)/),
    });
    expect(sendOf(second)?.attributes["error.type"]).toBe("BackendFullError");
    expect(s.failedEvents().map((f) => f.event.id)).toEqual([second.id]);
  });

  it("sends an event on without the context a propagator wrote in headers it cannot carry", async () => {
    const sdk = testSdk();
    // A propagator of its own format, whose header name is not a valid event header name.
    const propagator: TextMapPropagator = {
      inject: (_context, carrier, setter) => setter.set(carrier, "trace id", "abc"),
      extract: (context) => context,
      fields: () => ["trace id"],
    };
    const tracing = await traced(sdk, { propagator });
    const seen: Event[] = [];
    const emits = organ("Emits", ["A"], () => new Event("B"));
    const probe = organ("Probe", ["B"], (event: Event) => {
      seen.push(event);
    });
    await spine(tracing, [emits, probe]).run(new Event("A"));
    expect(seen).toHaveLength(1);
    expect(Object.keys(seen[0]?.headers ?? {}).sort()).toEqual([
      "causation-id",
      "correlation-id",
      "hop",
    ]);
    const send = only(sdk.spans(), "send necrostack");
    expect(send.status.code).toBe(SpanStatusCode.ERROR);
    expect(send.status.message).toMatch(/"trace id" is not a valid header name/);
  });

  it("gives the handler its process span as the active span", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    let active: string | undefined;
    const probe = organ("Probe", ["A"], async (_event: Event, _ctx: HandlerContext) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      active = trace.getActiveSpan()?.spanContext().spanId;
    });
    await spine(tracing, [probe]).run(new Event("A"));
    expect(active).toBe(only(sdk.spans(), "process A").spanContext().spanId);
  });

  it("keeps a traceparent the organ set on an emitted event, as the Spine keeps lineage headers", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const own = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const seen: Event[] = [];
    const emits = organ(
      "Emits",
      ["A"],
      () => new Event({ eventType: "B", headers: { [HEADER.TRACEPARENT]: own } }),
    );
    const probe = organ("Probe", ["B"], (event: Event) => {
      seen.push(event);
    });
    await spine(tracing, [emits, probe]).run(new Event("A"));
    expect(seen[0]?.headers[HEADER.TRACEPARENT]).toBe(own);
    expect(sdk.spans().filter((s) => s.name === "send necrostack")).toEqual([]);
    expect(only(sdk.spans(), "process B").spanContext().traceId).toBe(
      "0af7651916cd43dd8448eb211c80319c",
    );
  });

  it("replaces only the events of an array result, in order", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const seen: string[] = [];
    const emits = organ("Emits", ["A"], () => [new Event("B", { i: 1 }), new Event("B", { i: 2 })]);
    const probe = organ("Probe", ["B"], (event: Event) => {
      seen.push(`${event.payload.i} ${TRACEPARENT.test(event.headers.traceparent ?? "")}`);
    });
    await spine(tracing, [emits, probe]).run(new Event("A"));
    expect(seen).toEqual(["1 true", "2 true"]);
  });
});

describe("createTracing with spans sampled out", () => {
  it("carries the trace and its not-sampled flag on, recording nothing", async () => {
    useContextManager();
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      sampler: new AlwaysOffSampler(),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracing = await createTracing({
      tracerProvider: provider,
      propagator: new W3CTraceContextPropagator(),
    });
    const seen: Event[] = [];
    const start = new Event({
      eventType: "A",
      headers: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00" },
    });
    const emits = organ("Emits", ["A"], () => new Event("B"));
    const probe = organ("Probe", ["B"], (event: Event) => {
      seen.push(event);
    });
    await spine(tracing, [emits, probe]).run(start);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(seen[0]?.headers.traceparent).toMatch(
      /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-00$/,
    );
  });
});

describe("Tracing.enqueue", () => {
  it("puts events on a backend inside a send span, the child of the active span", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const backend = new InMemoryBackend();
    const tracer = sdk.provider.getTracer("test");
    const event = new Event("A");
    await tracer.startActiveSpan("request", async (request) => {
      await tracing.enqueue(backend, event);
      request.end();
    });
    const pulled = await backend.pull(0);
    const send = only(sdk.spans(), "send necrostack");
    const request = only(sdk.spans(), "request");
    expect(parentOf(send)).toBe(request.spanContext().spanId);
    expect(pulled?.id).toBe(event.id);
    expect(pulled?.headers.traceparent).toBe(
      `00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`,
    );
  });

  it("ends the send span with status ERROR when the backend refuses the event, and rejects", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk);
    const backend = new InMemoryBackend();
    await backend.close();
    await expect(tracing.enqueue(backend, new Event("A"))).rejects.toThrow();
    const send = only(sdk.spans(), "send necrostack");
    expect(send.status.code).toBe(SpanStatusCode.ERROR);
    expect(send.events.map((e) => e.name)).toEqual(["exception"]);
  });
});

describe("createTracing without an SDK", () => {
  it("records nothing and hands the handler's result back untouched", async () => {
    const tracing = await createTracing();
    expect(tracing.recording).toBe(false);
    expect(trace.getTracer("necrostack").startSpan("x").isRecording()).toBe(false);
    const b = new Event("B");
    const seen: Event[] = [];
    const emits = organ("Emits", ["A"], () => b);
    const probe = organ("Probe", ["B"], (event: Event) => {
      seen.push(event);
    });
    await spine(tracing, [emits, probe]).run(tracing.inject(new Event("A")));
    expect(seen[0]).toBe(b);
    expect(b.headers.traceparent).toBeUndefined();
  });
});

describe("Tracing.observer", () => {
  it("has no per-event hook while no provider is registered, so the Spine calls none", async () => {
    const tracing = await createTracing();
    expect(Object.keys(tracing.observer).sort()).toEqual([
      "committed",
      "deadLettered",
      "enqueueError",
      "released",
      "runStarted",
    ]);
    expect(tracing.observer.committed).toBeUndefined();
    expect(tracing.observer.released).toBeUndefined();
    expect(typeof tracing.observer.runStarted).toBe("function");
  });

  it("has them with a provider", async () => {
    const tracing = await traced(testSdk());
    expect(typeof tracing.observer.committed).toBe("function");
    expect(typeof tracing.observer.enqueueError).toBe("function");
  });
});

describe("createTracing options", () => {
  it("reads messaging.system, the destination, the group and the client id from a Redis-like backend", async () => {
    const sdk = testSdk();
    const backend = Object.assign(new InMemoryBackend(), {
      streamKey: "orders:events",
      consumerGroup: "billing",
      consumerName: "billing-1",
    });
    const tracing = await createTracing({
      backend,
      tracerProvider: sdk.provider,
      propagator: sdk.propagator,
    });
    await spine(tracing, [organ("Billing", ["A"], () => undefined)]).run(new Event("A"));
    expect(only(sdk.spans(), "process A").attributes).toMatchObject({
      "messaging.system": "redis",
      "messaging.destination.name": "orders:events",
      "messaging.consumer.group.name": "billing",
      "messaging.client.id": "billing-1",
    });
  });

  it("takes system, destination and consumerGroup as given", async () => {
    const sdk = testSdk();
    const tracing = await traced(sdk, { system: "kafka", destination: "t", consumerGroup: "g" });
    await spine(tracing, [organ("O", ["A"], () => undefined)]).run(tracing.inject(new Event("A")));
    expect(only(sdk.spans(), "send t").attributes["messaging.system"]).toBe("kafka");
    expect(only(sdk.spans(), "process A").attributes["messaging.consumer.group.name"]).toBe("g");
  });

  it("refuses an empty destination, naming the option and what it got", async () => {
    await expect(createTracing({ destination: " " })).rejects.toThrow(
      new InvalidOptionError("destination", "a non-empty string", " "),
    );
  });

  it("refuses a tracerProvider without getTracer()", async () => {
    await expect(createTracing({ tracerProvider: {} as never })).rejects.toThrow(
      /Expected `tracerProvider` to be an object with a getTracer\(\) method/,
    );
  });

  it("says which package to install when @opentelemetry/api cannot be loaded", async () => {
    const missing = () => import("@opentelemetry/api-not-installed" as string);
    const failure = createTracing({}, missing);
    await expect(failure).rejects.toBeInstanceOf(OpenTelemetryMissingError);
    await expect(failure).rejects.toThrow(
      /^necrostack\/otel needs the @opentelemetry\/api package \(\^1\.9\.0\), which could not be loaded: install it with `npm install @opentelemetry\/api`/,
    );
    await expect(failure).rejects.toMatchObject({ code: "ERR_OTEL_MISSING" });
  });
});
