/**
 * What both halves of the tracing pair share: the tracer and propagator, and the send spans of
 * emitted events waiting for the backend to take them. A send span starts when a handler returns
 * the event and ends when the Spine reports it committed (or not sent, with the reason).
 */
import type { Context, Span, TextMapPropagator, Tracer } from "@opentelemetry/api";
import type { Event } from "../core/event.js";
import { HEADER } from "../core/headers.js";
import { type OtelApi, providerRegistered } from "./api.js";
import { sendAttributes } from "./attributes.js";
import { HEADERS_SETTER } from "./carrier.js";
import type { ResolvedTracingOptions } from "./options.js";
import { ATTR } from "./semconv.js";

/** The name the tracer is registered under (the instrumentation scope). */
export const TRACER_NAME = "necrostack";

export class Spans {
  readonly api: OtelApi;
  readonly tracer: Tracer;
  readonly propagator: TextMapPropagator;
  readonly options: ResolvedTracingOptions;
  readonly sendName: string;
  /** The observer has seen a run start: it will end send spans when their events are committed. */
  observed = false;
  /**
   * Whether spans can be recorded: a provider was given, or one is registered globally. Sticky
   * once true (an observer hook the Spine composed must stay callable); looked at again by
   * {@link refresh} when a Spine is built and when a run starts, so an SDK registered before
   * `spine.run()` is used.
   */
  enabled: boolean;
  /** Send spans not ended yet, by the event (the copy carrying their context). */
  readonly #sends = new WeakMap<Event, Span>();
  /** The events each handled event emitted that have a send span, until it is settled. */
  readonly #byCause = new WeakMap<Event, Event[]>();

  constructor(api: OtelApi, options: ResolvedTracingOptions) {
    this.api = api;
    this.options = options;
    this.tracer = (options.tracerProvider ?? api.trace.getTracerProvider()).getTracer(TRACER_NAME);
    this.propagator = options.propagator ?? api.propagation;
    this.sendName = `send ${options.destination}`;
    this.enabled = options.tracerProvider !== undefined || providerRegistered(api);
  }

  /** {@link enabled}, looked at again while it is false. */
  refresh(): boolean {
    if (!this.enabled) this.enabled = providerRegistered(this.api);
    return this.enabled;
  }

  /**
   * A copy of `event` carrying the context of a new send span, child of `parent`; the event
   * itself when it already has a `traceparent` (set by the organ, as lineage headers are).
   * `cause` and `organ`: the handled event that emitted it. The span ends when the observer
   * reports the event committed (or not sent); at once for a start event, or when no observer of
   * this pair watches the run.
   */
  send(event: Event, parent: Context, cause: Event | undefined, organ: string | undefined): Event {
    const sent = this.open(event, parent, cause, organ);
    if (sent.span === undefined) return sent.event;
    if (cause !== undefined && this.observed) {
      this.#sends.set(sent.event, sent.span);
      const list = this.#byCause.get(cause);
      if (list === undefined) this.#byCause.set(cause, [sent.event]);
      else list.push(sent.event);
    } else {
      sent.span.end();
    }
    return sent.event;
  }

  /** Starts a send span for `event` and returns the copy carrying its context; the caller ends it. */
  open(
    event: Event,
    parent: Context,
    cause: Event | undefined,
    organ: string | undefined,
  ): { event: Event; span: Span | undefined } {
    if (event.headers[HEADER.TRACEPARENT] !== undefined) return { event, span: undefined };
    const { api } = this;
    const span = this.tracer.startSpan(
      this.sendName,
      {
        kind: api.SpanKind.PRODUCER,
        attributes: sendAttributes(event, cause, organ, this.options),
      },
      parent,
    );
    const carrier: Record<string, string> = {};
    this.propagator.inject(api.trace.setSpan(parent, span), carrier, HEADERS_SETTER);
    // Nothing to carry: a span with no valid context, or a propagator that writes nothing.
    if (Object.keys(carrier).length === 0) return { event, span };
    try {
      return { event: event.withHeaders(carrier), span };
    } catch (error) {
      // Headers the propagator made that an event cannot carry (too large, a bad name): the
      // event goes on without them, and the span says why the trace stops here.
      this.fail(span, error);
      span.end();
      return { event, span: undefined };
    }
  }

  /** `emitted` (of `cause`) were taken by the backend: their send spans end; the rest of `cause`'s did not go. */
  committed(cause: Event, emitted: readonly Event[]): void {
    const list = this.#byCause.get(cause);
    if (list === undefined) return;
    this.#byCause.delete(cause);
    for (let i = 0; i < emitted.length; i++) this.ended(emitted[i] as Event, undefined);
    // Those left were not taken (their enqueue failure ended them, or it is said here).
    for (let i = 0; i < list.length; i++) {
      const event = list[i] as Event;
      if (this.#sends.has(event)) {
        this.ended(event, new Error("not enqueued: kept in the failed-event store"));
      }
    }
  }

  /** `cause` was not committed (released or dead-lettered): the events it emitted were not sent. */
  notSent(cause: Event, why: string): void {
    const list = this.#byCause.get(cause);
    if (list === undefined) return;
    this.#byCause.delete(cause);
    const error = new Error(why);
    for (const event of list) this.ended(event, error);
  }

  /** Ends `event`'s send span, with `error` when it was not sent. */
  ended(event: Event, error: unknown): void {
    const span = this.#sends.get(event);
    if (span === undefined) return;
    this.#sends.delete(event);
    if (error !== undefined) this.fail(span, error);
    span.end();
  }

  /** `event`'s send span, while it waits. */
  sendSpanOf(event: Event): Span | undefined {
    return this.#sends.get(event);
  }

  /** Status ERROR, the exception event and `error.type`. */
  fail(span: Span, error: unknown): void {
    if (!span.isRecording()) return;
    const err = error instanceof Error ? error : new Error(String(error));
    span.recordException(err);
    span.setAttribute(ATTR.ERROR_TYPE, err.name || "Error");
    span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: err.message });
  }
}
