/**
 * `createTracing()`: the middleware and observer pair, and the producer side for start events.
 */
import type { Backend } from "../core/backend.js";
import { Event } from "../core/event.js";
import type { Middleware } from "../core/handler.js";
import type { SpineObserver } from "../core/observer.js";
import { loadOtelApi, type OtelApiLoader } from "./api.js";
import { processMiddleware } from "./middleware.js";
import { sendObserver } from "./observer.js";
import { resolveTracingOptions, type TracingOptions } from "./options.js";
import { Spans } from "./spans.js";

/** OpenTelemetry tracing for one Spine: give it both halves. */
export interface Tracing {
  /**
   * Wraps every organ's handler in a CONSUMER span `process {event_type}` and sends the events it
   * returns with the context of a PRODUCER span `send {destination}`. Put it first in the
   * Spine's `middleware`, so the span covers the rest of the chain.
   */
  readonly middleware: Middleware;
  /** Ends each send span when the Spine reports its event committed, or why it was not sent. */
  readonly observer: SpineObserver;
  /**
   * Whether spans can be recorded: a tracer provider was given, or an SDK registered one
   * globally. It must be registered before the Spine is built or its run starts; until then,
   * tracing costs next to nothing and records nothing.
   */
  readonly recording: boolean;
  /**
   * Copies of start events carrying the context of a PRODUCER span `send {destination}`, a child
   * of the active context, for `spine.run(tracing.inject(events))`. The span ends at once: it
   * marks where the chain starts, not how long the enqueue took (that is {@link enqueue}'s). An
   * event that has a `traceparent` is returned as it is.
   */
  inject<E extends Event>(event: E): E;
  inject<E extends Event>(events: readonly E[]): E[];
  /**
   * Enqueues `events` on `backend`, each inside a PRODUCER span `send {destination}` (a child of
   * the active context) that ends when the backend took it, or with status ERROR when it refused
   * it: how a producer outside the Spine starts a traced chain.
   */
  enqueue(backend: Backend, events: Event | readonly Event[]): Promise<void>;
}

/**
 * Loads `@opentelemetry/api` (an optional peer dependency: `OpenTelemetryMissingError` when it
 * is not installed) and builds the pair.
 *
 * ```ts
 * const tracing = await createTracing({ backend });
 * new Spine({ organs, backend, middleware: [tracing.middleware], observers: [tracing.observer] });
 * ```
 */
export async function createTracing(
  options?: TracingOptions,
  /** @internal Replaces the import of `@opentelemetry/api`. */
  loadApi?: OtelApiLoader,
): Promise<Tracing> {
  const resolved = resolveTracingOptions(options);
  const api = await loadOtelApi(loadApi);
  const spans = new Spans(api, resolved);
  const { context } = api;
  const inject = (event: Event): Event => {
    if (!(event instanceof Event)) {
      throw new TypeError(`inject() takes an Event or an array of Events, got ${typeof event}`);
    }
    return spans.send(event, context.active(), undefined, undefined);
  };
  return {
    middleware: processMiddleware(spans),
    observer: sendObserver(spans),
    get recording() {
      return spans.refresh();
    },
    inject: ((events: Event | readonly Event[]) =>
      Array.isArray(events) ? events.map(inject) : inject(events as Event)) as Tracing["inject"],
    async enqueue(backend, events) {
      const list = Array.isArray(events) ? (events as readonly Event[]) : [events as Event];
      for (const event of list) await enqueueOne(spans, backend, event);
    },
  };
}

async function enqueueOne(spans: Spans, backend: Backend, event: Event): Promise<void> {
  const sent = spans.open(event, spans.api.context.active(), undefined, undefined);
  try {
    await backend.enqueue(sent.event);
  } catch (error) {
    if (sent.span !== undefined) spans.fail(sent.span, error);
    throw error;
  } finally {
    sent.span?.end();
  }
}
