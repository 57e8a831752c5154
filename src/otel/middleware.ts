/**
 * The consumer half: a `process {event_type}` span around each organ's handler (the Spine's
 * middleware is outermost, so the span covers the organ's own middleware, its retries in process
 * and its timeout), the child of the context its event carries. The events the handler returns
 * leave as copies carrying the context of their own send span, a child of the process span, so a
 * chain across processes is one trace.
 *
 * With no SDK registered (when the Spine was built or its run started) the handler is called as
 * it is and its result returned untouched. With one, a span that is not recording (sampled out)
 * still carries its context on, so the decision holds down the chain.
 */
import type { Context, Span } from "@opentelemetry/api";
import { Event } from "../core/event.js";
import type { Handler, HandlerResult, Middleware } from "../core/handler.js";
import { RetryLater } from "../core/retry-policy.js";
import { isThenable } from "../utils/thenable.js";
import { processAttributes } from "./attributes.js";
import { EVENT_GETTER } from "./carrier.js";
import type { Spans } from "./spans.js";

export function processMiddleware(spans: Spans): Middleware {
  const { api, tracer, propagator, options } = spans;
  const { context, trace } = api;
  const kind = api.SpanKind.CONSUMER;
  return (next: Handler, organ) => {
    spans.refresh();
    const organName = organ.name;
    const names = new Map<string, string>();
    const nameOf = (type: string): string => {
      let name = names.get(type);
      if (name === undefined) {
        name = `process ${type}`;
        names.set(type, name);
      }
      return name;
    };
    return (event, ctx) => {
      // No provider: nothing can be recorded, and nothing is looked at.
      if (!spans.enabled) return next(event, ctx);
      const parent = propagator.extract(context.active(), event, EVENT_GETTER);
      // The attributes are given at the start, where a sampler can look at them.
      const span = tracer.startSpan(
        nameOf(event.eventType),
        { kind, attributes: processAttributes(event, organName, options) },
        parent,
      );
      if (!span.isRecording() && !trace.isSpanContextValid(span.spanContext())) {
        return next(event, ctx);
      }
      const active = trace.setSpan(parent, span);
      let result: HandlerResult | Promise<HandlerResult>;
      try {
        result = context.with(active, next, undefined, event, ctx);
      } catch (error) {
        failed(spans, span, error);
        throw error;
      }
      if (isThenable<HandlerResult>(result)) {
        return Promise.resolve(result).then(
          (value) => done(spans, span, active, event, organName, value),
          (error: unknown) => {
            failed(spans, span, error);
            throw error;
          },
        );
      }
      return done(spans, span, active, event, organName, result);
    };
  };
}

/** Ends the process span; the emitted events leave carrying their send spans' context. */
function done(
  spans: Spans,
  span: Span,
  active: Context,
  event: Event,
  organ: string,
  result: HandlerResult,
): HandlerResult {
  const out = emit(spans, active, event, organ, result);
  span.end();
  return out;
}

/** The result, its events replaced by copies carrying their send spans' context. */
function emit(
  spans: Spans,
  active: Context,
  event: Event,
  organ: string,
  result: HandlerResult,
): HandlerResult {
  if (result instanceof Event) return spans.send(result, active, event, organ);
  if (!Array.isArray(result)) return result;
  const list = result as readonly unknown[];
  let out: unknown[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    // Anything else is left for the Spine's result check to report.
    if (!(item instanceof Event)) continue;
    const sent = spans.send(item, active, event, organ);
    if (sent !== item) {
      out ??= list.slice();
      out[i] = sent;
    }
  }
  return (out ?? list) as HandlerResult;
}

function failed(spans: Spans, span: Span, error: unknown): void {
  // A retry policy asking for a redelivery: the try failed with the error it carries.
  spans.fail(span, error instanceof RetryLater ? error.failure : error);
  span.end();
}
