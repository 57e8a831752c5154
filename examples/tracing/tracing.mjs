/**
 * An OpenTelemetry setup for `necrostack worker --otel`, loaded before the worker starts:
 *
 *   node --import ./tracing.mjs node_modules/necrostack/dist/cli.js worker --otel \
 *     --organs ./organs.js --redis redis://127.0.0.1:6379
 *
 * It prints every span to the console. To send them to a collector instead, install
 * @opentelemetry/exporter-trace-otlp-http and use the commented exporter (OTLP over HTTP, the
 * collector's default port 4318). Needs: @opentelemetry/api, @opentelemetry/sdk-trace-base,
 * @opentelemetry/core and @opentelemetry/context-async-hooks (2.x runs on Node 20).
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
} from "@opentelemetry/sdk-trace-base";

// import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";

const exporter = new ConsoleSpanExporter();
// const exporter = new OTLPTraceExporter({ url: "http://127.0.0.1:4318/v1/traces" });

const provider = new BasicTracerProvider({
  spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 })],
});
trace.setGlobalTracerProvider(provider);
// The trace context travels in the events' traceparent and tracestate headers.
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
// Lets a handler's own spans (a database client's, for example) be children of its process span.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

// The worker ends by letting the event loop empty: flush the spans still batched then.
process.once("beforeExit", () => {
  void provider.shutdown();
});
