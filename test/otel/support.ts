/**
 * An OpenTelemetry SDK for the tracing tests: a tracer provider whose spans land in an in-memory
 * exporter, the W3C Trace Context propagator, and the AsyncLocalStorage context manager (set
 * globally, as an SDK setup does: the API has no other way to carry the active span).
 */
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

let contextManager: AsyncLocalStorageContextManager | undefined;

/** Registers the context manager once per test file. */
export function useContextManager(): void {
  if (contextManager !== undefined) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

export interface TestSdk {
  readonly provider: BasicTracerProvider;
  readonly exporter: InMemorySpanExporter;
  readonly propagator: W3CTraceContextPropagator;
  /** The finished spans, in the order they ended. */
  spans(): ReadableSpan[];
}

export function testSdk(): TestSdk {
  useContextManager();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return {
    provider,
    exporter,
    propagator: new W3CTraceContextPropagator(),
    spans: () => exporter.getFinishedSpans(),
  };
}

/** The span with `name` (exactly one). */
export function only(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one span named ${JSON.stringify(name)}, found ${found.length} among ${spans.map((s) => s.name).join(", ")}`,
    );
  }
  return found[0] as ReadableSpan;
}

/** The span's parent span id, or undefined for a root. */
export function parentOf(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
