/**
 * The per-event path, written once: loop protection, each listening organ in order through its
 * composed chain, the result check, then the event's fate (commit, or release for redelivery, or
 * dead letter). Maybe-async: a step that gets a plain value goes on at once, one that gets a
 * promise goes on in its `.then`, so an event whose handlers and backend answer synchronously
 * is handled with no `await` and no promise at all.
 *
 * With a catalog, the same path checks each event pulled (upcast, validate: the organs get the
 * checked event, the backend is still answered about the pulled one) and what each organ returns
 * (stamp versions, validate), maybe-async like the rest. Without one it adds no step at all.
 */
import { shapeOf } from "../utils/shape.js";
import { isThenable } from "../utils/thenable.js";
import type { Backend } from "./backend.js";
import { EmittedEventInvalidError, NewerSchemaVersionError } from "./catalog/errors.js";
import type { ReceiveFailure, SchemaChecks } from "./catalog/schema-checks.js";
import { Call, type CallScope, INERT } from "./context.js";
import type { EnqueuePolicy } from "./enqueue-policy.js";
import { HandlerError } from "./errors.js";
import { Event, hopOf, stampLineage } from "./event.js";
import type { FailedEventStore } from "./failed-events.js";
import type { HandlerResult } from "./handler.js";
import { errorField } from "./logging.js";
import type { ObserverHooks } from "./observer.js";
import { RetriesExhaustedError, RetryLater } from "./retry-policy.js";
import type { Route, RouteTable } from "./routing.js";
import type { HandlerFailureMode } from "./spine-options.js";

/**
 * What the organs made of one event so far: nothing (undefined), the events they emitted (an
 * array: the common case, one allocation), or, once a handler failed, an {@link Outcome}.
 */
type Progress = Event[] | Outcome | undefined;

/** What the organs made of one event once a handler failed. */
interface Outcome {
  emitted: Event[] | undefined;
  /** Why a handler failed (the last failure), for the release or dead-letter record. */
  failure: string | undefined;
  /** A retry policy asked for the event to be delivered again after this delay. */
  retryLater: RetryLater | undefined;
  /** A retry policy's tries are all spent: under "nack" the event is dead-lettered at once. */
  exhausted: boolean;
}

export interface DispatchOptions {
  readonly backend: Backend;
  readonly routes: RouteTable;
  readonly scope: CallScope;
  readonly hooks: ObserverHooks;
  readonly enqueue: EnqueuePolicy;
  readonly failed: FailedEventStore;
  readonly handlerFailureMode: HandlerFailureMode;
  readonly maxHops: number;
  /** The Spine is done with an event it took: committed, or left for redelivery. Optional: only dedupe needs to know. */
  readonly settled: ((event: Event, committed: boolean) => void) | undefined;
  /** The catalog's checks; undefined when the Spine has no catalog. */
  readonly schemas: SchemaChecks | undefined;
  /** How long an event of a newer schema version than the catalog knows is released for. */
  readonly newerVersionDelayMs: number;
}

const NO_EVENTS: readonly Event[] = Object.freeze([]);

export class Dispatcher {
  readonly #o: DispatchOptions;
  readonly #backend: Backend;
  readonly #commits: boolean;
  readonly #sync: Backend["sync"];
  readonly #hooks: ObserverHooks;
  readonly #schemas: SchemaChecks | undefined;

  constructor(options: DispatchOptions) {
    this.#o = options;
    this.#backend = options.backend;
    this.#commits = options.backend.capabilities.atomicCommit;
    this.#sync = options.backend.capabilities.synchronous ? options.backend.sync : undefined;
    this.#hooks = options.hooks;
    this.#schemas = options.schemas;
  }

  /** Handles one event to its end. Returns undefined when it all happened synchronously. */
  process(event: Event): Promise<void> | undefined {
    const hooks = this.#hooks;
    hooks.received?.(event);
    const hop = hopOf(event);
    if (hop > this.#o.maxHops) return this.#stopLoop(event, hop);
    const routes = this.#o.routes.get(event.eventType);
    if (routes === undefined) {
      hooks.unrouted?.(event);
      return this.#finish(event, undefined);
    }
    const schemas = this.#schemas;
    if (schemas !== undefined) {
      const checked = schemas.received(event);
      if (checked !== event) return this.#admit(event, routes, checked);
    }
    return this.#run(event, event, routes, 0, undefined);
  }

  /** Hands the organs the event the catalog made of `event`, or refuses it. */
  #admit(
    event: Event,
    routes: readonly Route[],
    checked: Event | ReceiveFailure | PromiseLike<Event | ReceiveFailure>,
  ): Promise<void> | undefined {
    if (isThenable<Event | ReceiveFailure>(checked)) {
      return Promise.resolve(checked).then((settled) => this.#admit(event, routes, settled));
    }
    if (checked instanceof Event) return this.#run(event, checked, routes, 0, undefined);
    if (checked instanceof NewerSchemaVersionError && this.#backend.capabilities.redelivery) {
      return this.#release(event, checked.message, this.#o.newerVersionDelayMs);
    }
    return this.#deadLetter(event, checked.message, "schema", checked);
  }

  /**
   * Runs `routes[from..]` on `subject`, then finishes `event`. The two are one event, unless
   * the catalog upcast or transformed the pulled `event` into `subject` for its organs.
   */
  #run(
    event: Event,
    subject: Event,
    routes: readonly Route[],
    from: number,
    outcome: Progress,
  ): Promise<void> | undefined {
    const hooks = this.#hooks;
    for (let i = from; i < routes.length; i++) {
      const route = routes[i] as Route;
      hooks.dispatch?.(subject, route.info);
      const started = hooks.handled === undefined ? 0 : performance.now();
      // A handler nobody can give the context to (no middleware, no retry, handle(event) alone)
      // gets a shared inert one: no allocation per call.
      const call = route.usesContext ? new Call(subject, route.info.name, this.#o.scope) : INERT;
      let result: HandlerResult | Promise<HandlerResult>;
      try {
        result = route.handler(subject, call);
      } catch (error) {
        call.end();
        outcome = this.#failed(subject, route, error, outcome, started);
        continue;
      }
      if (isThenable<HandlerResult>(result)) {
        const before = outcome;
        const goOn = (progress: Progress): Promise<void> | undefined => {
          call.end();
          return this.#run(event, subject, routes, i + 1, progress);
        };
        return Promise.resolve(result).then(
          (value) => {
            if (this.#schemas === undefined) {
              return goOn(this.#collect(subject, route, value, before, started));
            }
            const progress = this.#checkEmitted(subject, route, value, before, started);
            return isThenable<Progress>(progress)
              ? Promise.resolve(progress).then(goOn)
              : goOn(progress);
          },
          (error: unknown) => goOn(this.#failed(subject, route, error, before, started)),
        );
      }
      call.end();
      if (this.#schemas === undefined) {
        outcome = this.#collect(subject, route, result, outcome, started);
        continue;
      }
      const progress = this.#checkEmitted(subject, route, result, outcome, started);
      if (isThenable<Progress>(progress)) {
        return Promise.resolve(progress).then((settled) =>
          this.#run(event, subject, routes, i + 1, settled),
        );
      }
      outcome = progress;
    }
    return this.#finish(event, outcome);
  }

  /** The catalog's checks on what a handler returned, then collects it (or records the failure). */
  #checkEmitted(
    event: Event,
    route: Route,
    result: HandlerResult,
    outcome: Progress,
    started: number,
  ): Progress | PromiseLike<Progress> {
    const checked = (this.#schemas as SchemaChecks).emitted(route.info.name, event, result);
    if (isThenable<HandlerResult | EmittedEventInvalidError>(checked)) {
      return Promise.resolve(checked).then((settled) =>
        settled instanceof EmittedEventInvalidError
          ? this.#failed(event, route, settled, outcome, started)
          : this.#collect(event, route, settled, outcome, started),
      );
    }
    return checked instanceof EmittedEventInvalidError
      ? this.#failed(event, route, checked, outcome, started)
      : this.#collect(event, route, checked, outcome, started);
  }

  /** Adds a handler's result to the outcome, or records a failure for a result that is not events. */
  #collect(
    event: Event,
    route: Route,
    result: HandlerResult,
    outcome: Progress,
    started: number,
  ): Progress {
    let events: readonly Event[];
    if (result === undefined || result === null) events = NO_EVENTS;
    else if (result instanceof Event) {
      if (started !== 0) this.#hooks.handled?.(event, route.info, performance.now() - started);
      this.#hooks.emitted?.(event, route.info, [result]);
      stampLineage(result, event);
      if (outcome === undefined) return [result];
      (Array.isArray(outcome) ? outcome : emittedOf(outcome)).push(result);
      return outcome;
    } else if (Array.isArray(result)) {
      const list = result as readonly unknown[];
      for (let i = 0; i < list.length; i++) {
        if (!(list[i] instanceof Event)) {
          return this.#failed(
            event,
            route,
            new HandlerError(
              route.info.name,
              event,
              `returned an array whose element [${i}] is ${shapeOf(list[i])}, not an Event; none of it was enqueued`,
              "ERR_HANDLER_RESULT",
            ),
            outcome,
            started,
          );
        }
      }
      events = list as readonly Event[];
    } else {
      return this.#failed(
        event,
        route,
        new HandlerError(
          route.info.name,
          event,
          `returned ${shapeOf(result)}; a handler must return an Event, an array of Events, or nothing`,
          "ERR_HANDLER_RESULT",
        ),
        outcome,
        started,
      );
    }
    if (started !== 0) this.#hooks.handled?.(event, route.info, performance.now() - started);
    if (events.length === 0) return outcome;
    this.#hooks.emitted?.(event, route.info, events);
    const emitted =
      outcome === undefined ? [] : Array.isArray(outcome) ? outcome : emittedOf(outcome);
    for (let i = 0; i < events.length; i++) {
      const next = events[i] as Event;
      stampLineage(next, event);
      emitted.push(next);
    }
    return outcome === undefined || Array.isArray(outcome) ? emitted : outcome;
  }

  #failed(event: Event, route: Route, error: unknown, outcome: Progress, started: number): Outcome {
    if (started !== 0) this.#hooks.handled?.(event, route.info, performance.now() - started);
    const out =
      outcome !== undefined && !Array.isArray(outcome)
        ? outcome
        : { emitted: outcome, failure: undefined, retryLater: undefined, exhausted: false };
    if (error instanceof RetryLater) {
      this.#hooks.handlerError?.(event, route.info, error.failure, true);
      out.retryLater = error;
      out.failure = `Organ ${route.info.name} failed: ${errorField(error.failure)}`;
      return out;
    }
    this.#hooks.handlerError?.(event, route.info, error, false);
    out.failure = `Organ ${route.info.name} failed: ${errorField(error)}`;
    if (error instanceof RetriesExhaustedError) out.exhausted = true;
    if (this.#o.handlerFailureMode === "store") {
      this.#o.failed.add({
        event,
        error,
        stage: "handler",
        organ: route.info.name,
        failedAt: Date.now(),
      });
    }
    return out;
  }

  // -----------------------------------------------------------------------------------------------
  // The event's fate

  #finish(event: Event, outcome: Progress): Promise<void> | undefined {
    let emitted: readonly Event[] = NO_EVENTS;
    if (Array.isArray(outcome)) emitted = outcome;
    else if (outcome !== undefined) {
      if (outcome.retryLater !== undefined) {
        return this.#release(event, outcome.failure as string, outcome.retryLater.delayMs);
      }
      if (outcome.failure !== undefined && this.#o.handlerFailureMode === "nack") {
        if (outcome.exhausted) return this.#deadLetter(event, outcome.failure);
        return this.#release(event, outcome.failure, 0);
      }
      emitted = outcome.emitted ?? NO_EVENTS;
    }
    if (this.#commits) return this.#commit(event, emitted);
    const sync = this.#sync;
    if (sync !== undefined) {
      for (let i = 0; i < emitted.length; i++) {
        const next = emitted[i] as Event;
        try {
          sync.enqueue(next);
        } catch (error) {
          return this.#enqueueEach(event, emitted, i, error);
        }
      }
      try {
        sync.ack(event);
      } catch (error) {
        this.#hooks.backendError?.("ack", error, event);
        return this.#release(event, `Its ack failed: ${errorField(error)}`, 0);
      }
      this.#committed(event, emitted);
      return undefined;
    }
    return this.#enqueueEach(event, emitted, 0, undefined);
  }

  /** Enqueues `emitted[from..]` one by one under the enqueue policy, then acks. */
  async #enqueueEach(
    event: Event,
    emitted: readonly Event[],
    from: number,
    firstError: unknown,
  ): Promise<void> {
    const backend = this.#backend;
    const accepted: Event[] = emitted.slice(0, from);
    for (let i = from; i < emitted.length; i++) {
      const next = emitted[i] as Event;
      const failure = await this.#o.enqueue.deliver(
        [next],
        () => backend.enqueue(next),
        i === from ? firstError : undefined,
      );
      if (failure === undefined) accepted.push(next);
      else if (!failure.stored) {
        // Fatal to the run: the event is left for redelivery, its events to be made again.
        await this.#release(event, errorField(failure.error), 0);
        return;
      }
    }
    try {
      await backend.ack(event);
    } catch (error) {
      this.#hooks.backendError?.("ack", error, event);
      await this.#release(event, `Its ack failed: ${errorField(error)}`, 0);
      return;
    }
    this.#committed(event, accepted);
  }

  #commit(event: Event, emitted: readonly Event[]): Promise<void> {
    const backend = this.#backend;
    const commit = backend.commit as NonNullable<Backend["commit"]>;
    // The usual case in one step; a failure goes through the enqueue policy.
    let committing: Promise<void>;
    try {
      committing = commit.call(backend, event, emitted);
    } catch (error) {
      return this.#commitFailed(event, emitted, error);
    }
    return committing.then(
      () => this.#committed(event, emitted),
      (error: unknown) => this.#commitFailed(event, emitted, error),
    );
  }

  async #commitFailed(event: Event, emitted: readonly Event[], error: unknown): Promise<void> {
    if (emitted.length === 0) {
      this.#hooks.backendError?.("ack", error, event);
      await this.#release(event, `Its commit failed: ${errorField(error)}`, 0);
      return;
    }
    // A failed commit acked nothing: the event stays unacked, so a durable backend delivers it
    // again and its events are made again.
    const backend = this.#backend;
    const commit = backend.commit as NonNullable<Backend["commit"]>;
    const failure = await this.#o.enqueue.deliver(
      emitted,
      () => commit.call(backend, event, emitted),
      error,
    );
    if (failure !== undefined) {
      await this.#release(event, `Its commit failed: ${errorField(failure.error)}`, 0);
      return;
    }
    this.#committed(event, emitted);
  }

  #committed(event: Event, emitted: readonly Event[]): void {
    this.#hooks.committed?.(event, emitted);
    this.#o.settled?.(event, true);
  }

  /** Leaves `event` unacked for the backend to deliver again (dropped where it cannot). */
  #release(event: Event, reason: string, delayMs: number): Promise<void> | undefined {
    this.#hooks.released?.(event, reason, delayMs);
    this.#o.settled?.(event, false);
    const release = this.#backend.release;
    if (release === undefined) return undefined;
    return release.call(this.#backend, event, { reason, delayMs }).catch((error: unknown) => {
      this.#hooks.backendError?.("release", error, event);
    });
  }

  /**
   * Gives `event` up: to the backend's dead-letter store where it has one, else to the
   * failed-event store (with `stage`) and acked, so it is kept either way.
   */
  #deadLetter(
    event: Event,
    reason: string,
    stage: "handler" | "loop" | "schema" = "handler",
    error: Error = new Error(reason),
  ): Promise<void> | undefined {
    const backend = this.#backend;
    this.#hooks.deadLettered?.(event, reason);
    if (backend.capabilities.deadLetter && backend.nack !== undefined) {
      this.#o.settled?.(event, false);
      return backend.nack(event, reason).catch((error: unknown) => {
        this.#hooks.backendError?.("nack", error, event);
      });
    }
    this.#o.failed.add({ event, error, stage, failedAt: Date.now() });
    return this.#finish(event, undefined);
  }

  /** Loop protection: an event past `maxHops` is not handled. */
  #stopLoop(event: Event, hop: number): Promise<void> | undefined {
    const { maxHops } = this.#o;
    this.#hooks.loopStopped?.(event, hop, maxHops);
    const correlation = event.headers["correlation-id"] ?? event.id;
    return this.#deadLetter(
      event,
      `loop protection: hop ${hop} > maxHops ${maxHops} (correlation-id ${correlation})`,
      "loop",
    );
  }
}

/** The emitted events of a failed outcome, as an array to add to. */
function emittedOf(outcome: Outcome): Event[] {
  if (outcome.emitted === undefined) outcome.emitted = [];
  return outcome.emitted;
}
