/**
 * The Spine: pulls events from a backend, hands each to the dispatcher (dispatch.ts: its organs
 * in order, then its commit), and runs until idle or stopped. This file is the loop and the
 * lifecycle; what happens to one event, the enqueue failure modes, the log lines and the stats
 * live in their own files.
 *
 * Speed: on a backend with synchronous operations (`capabilities.synchronous`), an event whose
 * handlers return synchronously is handled with no `await` at all. The loop yields to the
 * macrotask queue every {@link YIELD_EVERY} events so timers and I/O are never starved.
 */
import { backoff } from "../utils/backoff.js";
import { shapeOf } from "../utils/shape.js";
import { abortableSleep, yieldToMacrotasks } from "../utils/timing.js";
import type { Backend, SyncBackendOps } from "./backend.js";
import { UnknownEventTypeError } from "./catalog/errors.js";
import { SchemaChecks } from "./catalog/schema-checks.js";
import { CallScope } from "./context.js";
import { Dedupe, HANDLE, SKIP } from "./dedupe.js";
import { Dispatcher } from "./dispatch.js";
import { EnqueuePolicy } from "./enqueue-policy.js";
import {
  BackendUnavailableError,
  EnqueueError,
  MaxStepsExceededError,
  NecroStackError,
} from "./errors.js";
import { Event } from "./event.js";
import { type FailedEvent, FailedEventStore } from "./failed-events.js";
import { logObserver } from "./log-observer.js";
import { type Logger, resolveLogger } from "./logging.js";
import { composeObservers, type ObserverHooks } from "./observer.js";
import { buildRoutes, type Route, type RouteTable } from "./routing.js";
import {
  type ResolvedSpineOptions,
  resolveSpineOptions,
  type SpineOptions,
} from "./spine-options.js";
import { type SpineStats, StatsCounter } from "./stats.js";

/** How a run ends: when the queue is drained, or only on `stop()` / abort. */
export type RunUntil = "idle" | "stopped";

/** Options for one `spine.run()`. */
export interface RunOptions {
  /**
   * `"idle"`: resolve once no event is queued and none is in flight. `"stopped"`: keep waiting
   * for events until `stop()` is called or `signal` aborts.
   * @defaultValue `"stopped"` on a durable backend, `"idle"` otherwise
   */
  until?: RunUntil;
  /** Aborting it stops the run as `stop()` does. */
  signal?: AbortSignal;
}

/** Events handled synchronously in a row before the loop lets timers and I/O run. */
const YIELD_EVERY = 256;
/** The wait after the n-th failed pull in a row. */
const PULL_BACKOFF = { initialMs: 20, factor: 2, maxMs: 1_000 } as const;

class SpineRunningError extends NecroStackError {
  constructor() {
    super("This Spine is already running; await its run() before starting another", "ERR_RUNNING");
  }
}

/** What one run keeps. */
interface Run {
  readonly hooks: ObserverHooks;
  readonly enqueue: EnqueuePolicy;
  readonly dispatcher: Dispatcher;
  readonly scope: CallScope;
  readonly stop: AbortController;
}

export class Spine {
  readonly #options: ResolvedSpineOptions;
  readonly #backend: Backend;
  /** The backend's synchronous operations, when it declares them. */
  readonly #sync: SyncBackendOps | undefined;
  /** The backend's `take`, when it has one. */
  readonly #take: (() => Event | undefined) | undefined;
  readonly #routes: RouteTable;
  readonly #log: Logger;
  readonly #failed: FailedEventStore;
  /** Kept across runs: a redelivery may come after the run that committed the event ended. */
  readonly #dedupe: Dedupe | undefined;
  /** The catalog's checks, when the Spine has a catalog. */
  readonly #schemas: SchemaChecks | undefined;
  #run: Run | undefined;
  #stats = new StatsCounter();
  #running = false;
  #stopping = false;
  /** The error the run will reject with, once one is fatal. */
  #fatal: unknown;
  #steps = 0;
  #inFlight = 0;
  #onSlotFree: (() => void) | undefined;
  #consecutivePullFailures = 0;

  constructor(options: SpineOptions) {
    this.#options = resolveSpineOptions(options);
    this.#backend = this.#options.backend;
    const caps = this.#backend.capabilities;
    this.#sync = caps.synchronous ? this.#backend.sync : undefined;
    this.#take = this.#backend.take?.bind(this.#backend);
    this.#routes = buildRoutes(this.#options.organs, {
      middleware: this.#options.middleware,
      handlerTimeoutMs: this.#options.handlerTimeoutMs,
      retry: this.#options.retry,
      redelivers: caps.redelivery,
    });
    this.#log = resolveLogger(this.#options.logger, "necrostack.spine");
    this.#failed = new FailedEventStore(this.#options.maxFailedEvents);
    const { dedupe } = this.#options;
    this.#dedupe = dedupe === undefined ? undefined : new Dedupe(dedupe);
    this.#schemas = this.#schemaChecks();
  }

  #schemaChecks(): SchemaChecks | undefined {
    const settings = this.#options.schemas;
    if (settings === undefined) return undefined;
    if (settings.strict) {
      for (const [type, routes] of this.#routes) {
        if (!settings.catalog.has(type)) {
          throw new UnknownEventTypeError((routes[0] as Route).info.name, type);
        }
      }
    }
    return new SchemaChecks(settings);
  }

  /**
   * Enqueues the start event(s), then handles events until the run ends (see
   * {@link RunOptions.until}). Resolves with the run's stats. Rejects with
   * `MaxStepsExceededError` (the event it stopped at is handed back to the backend unhandled),
   * `EnqueueError` (enqueue failure modes "fail" and "retry") or `BackendUnavailableError`;
   * events in flight are let finish first.
   */
  async run(start?: Event | readonly Event[], options: RunOptions = {}): Promise<SpineStats> {
    if (this.#running) throw new SpineRunningError();
    const until = options.until ?? (this.#backend.capabilities.durable ? "stopped" : "idle");
    if (until !== "idle" && until !== "stopped") {
      throw new TypeError(`Expected \`until\` to be "idle" or "stopped", got ${String(until)}`);
    }
    const starts = startEvents(start);
    const run = this.#begin();
    run.hooks.runStarted?.({ until });
    const { signal } = options;
    const onAbort = (): void => this.stop();
    signal?.addEventListener("abort", onAbort, { once: true });
    let failure: unknown;
    try {
      for (const event of starts) {
        const pending = this.#enqueueStart(run, event);
        if (pending !== undefined) await pending;
      }
      if (signal?.aborted) this.stop();
      await this.#loop(run, until === "idle");
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#stats.endedAt = Date.now();
      this.#running = false;
      run.hooks.runEnded?.(this.getStats(), failure);
    }
    // Taken once the run is over, so the stats it resolves with say it is not running.
    return this.getStats();
  }

  /**
   * Stops the run: nothing new is pulled; events in flight finish (their events are enqueued
   * and they are acked). After `stopGraceMs` their handlers' signals abort.
   */
  stop(): void {
    const run = this.#run;
    if (!this.#running || this.#stopping || run === undefined) return;
    this.#stopping = true;
    run.stop.abort();
    const grace = this.#options.stopGraceMs;
    const abortHandlers = (): void =>
      run.scope.abortAll(new NecroStackError("The Spine was stopped", "ERR_STOPPED"));
    if (grace === 0) abortHandlers();
    else if (grace !== Number.POSITIVE_INFINITY) setTimeout(abortHandlers, grace).unref();
  }

  /** A snapshot of the current (or last) run's stats. */
  getStats(): SpineStats {
    return this.#stats.snapshot(this.#running, this.#failed.dropped, this.#dedupe?.size ?? 0);
  }

  /** Events that could not be enqueued, counted once each. */
  getEnqueueFailureCount(eventType?: string): number {
    return this.#stats.enqueueFailuresOf(eventType);
  }

  /** The failed-event store, oldest first. */
  failedEvents(): readonly FailedEvent[] {
    return this.#failed.list();
  }

  /** Empties the failed-event store and returns what it held (to replay it, for example). */
  drainFailedEvents(): readonly FailedEvent[] {
    return this.#failed.drain();
  }

  #begin(): Run {
    this.#running = true;
    this.#stopping = false;
    this.#fatal = undefined;
    this.#steps = 0;
    this.#inFlight = 0;
    this.#consecutivePullFailures = 0;
    this.#stats = this.#stats.next();
    this.#stats.startedAt = Date.now();
    const options = this.#options;
    // Checked once per run: no log record is built per event while info is off.
    const hooks = composeObservers(
      [this.#stats, logObserver(this.#log, this.#log.isLevelEnabled("info"))].concat(
        options.observers,
      ),
      this.#log,
      this.#stats,
    );
    const stop = new AbortController();
    const scope = new CallScope(this.#log, this.#backend);
    const enqueue = new EnqueuePolicy({
      mode: options.enqueueFailureMode,
      retryAttempts: options.retryAttempts,
      retryBaseDelayMs: options.retryBaseDelayMs,
      failed: this.#failed,
      hooks,
      signal: stop.signal,
      fatal: (error) => {
        this.#fatal ??= error;
      },
    });
    const dispatcher = new Dispatcher({
      backend: this.#backend,
      routes: this.#routes,
      scope,
      hooks,
      enqueue,
      failed: this.#failed,
      handlerFailureMode: options.handlerFailureMode,
      maxHops: options.maxHops,
      settled:
        this.#dedupe === undefined
          ? undefined
          : (event, committed) => this.#dedupe?.settle(event.id, committed),
      schemas: this.#schemas,
      newerVersionDelayMs: options.schemas?.newerVersionDelayMs ?? 0,
    });
    this.#run = { hooks, enqueue, dispatcher, scope, stop };
    return this.#run;
  }

  // ---------------------------------------------------------------------------------------------
  // The loop

  async #loop(run: Run, untilIdle: boolean): Promise<void> {
    const { concurrency, maxSteps } = this.#options;
    const sync = this.#sync;
    let sinceYield = 0;
    while (!this.#stopping && this.#fatal === undefined) {
      if (this.#inFlight >= concurrency) {
        await this.#slotFreed();
        continue;
      }
      // An event at hand without a promise: from a synchronous backend, or one fetched ahead.
      let event: Event | null | undefined = sync !== undefined ? sync.pull() : this.#take?.();
      if (event === undefined) {
        // In process, new events come only from handlers still running (or from the caller).
        if (sync !== undefined && this.#inFlight > 0) {
          await this.#slotFreed();
          continue;
        }
        if (sync !== undefined && untilIdle) break;
        event = await this.#pull(run);
        // A failed pull (undefined) says nothing about whether events wait: only an empty one is idle.
        if (event === undefined) continue;
        if (event === null) {
          if (untilIdle && this.#inFlight === 0) break;
          continue;
        }
        sinceYield = 0;
      }
      if (this.#dedupe !== undefined) {
        const admission = this.#dedupe.admit(event.id);
        if (admission !== HANDLE) {
          this.#skipOrWait(run, event, admission);
          continue;
        }
      }
      if (++this.#steps > maxSteps) {
        this.#fatal = new MaxStepsExceededError(maxSteps, event);
        this.#handBack(run, event, `the run stopped at maxSteps (${maxSteps})`);
        break;
      }
      const pending = run.dispatcher.process(event);
      if (pending !== undefined) {
        if (concurrency === 1) await pending;
        else this.#track(pending);
      }
      if (++sinceYield >= YIELD_EVERY) {
        sinceYield = 0;
        await yieldToMacrotasks();
      }
    }
    while (this.#inFlight > 0) await this.#slotFreed();
    if (this.#fatal !== undefined) throw this.#fatal;
  }

  /**
   * One blocking pull, with the consecutive-failure guard and a backoff after each failure.
   * Resolves `null` when the backend had no event, `undefined` when the pull failed.
   */
  async #pull(run: Run): Promise<Event | null | undefined> {
    try {
      const event = await this.#backend.pull(this.#options.pollTimeoutMs, run.stop.signal);
      this.#consecutivePullFailures = 0;
      return event;
    } catch (error) {
      const failures = ++this.#consecutivePullFailures;
      run.hooks.backendError?.("pull", error, undefined);
      if (failures >= this.#options.maxConsecutiveBackendFailures) {
        this.#fatal ??= new BackendUnavailableError(failures, error);
        return undefined;
      }
      await abortableSleep(backoff(PULL_BACKOFF, failures), run.stop.signal);
      return undefined;
    }
  }

  /** A copy of an event whose id is committed (skip and ack it) or in flight (wait for it). */
  #skipOrWait(run: Run, event: Event, admission: typeof SKIP | Promise<void>): void {
    if (admission === SKIP) {
      run.hooks.deduplicated?.(event);
      const sync = this.#sync;
      if (sync !== undefined) {
        try {
          sync.ack(event);
        } catch (error) {
          run.hooks.backendError?.("ack", error, event);
        }
        return;
      }
      this.#track(
        this.#backend.ack(event).catch((error: unknown) => {
          run.hooks.backendError?.("ack", error, event);
        }),
      );
      return;
    }
    // It holds a slot while it waits, then is admitted again.
    this.#track(
      admission.then(() => {
        const again = (this.#dedupe as Dedupe).admit(event.id);
        if (again !== HANDLE) {
          this.#skipOrWait(run, event, again);
          return;
        }
        return run.dispatcher.process(event);
      }),
    );
  }

  /** Gives back an event this run took but will not handle. */
  #handBack(run: Run, event: Event, why: string): void {
    const backend = this.#backend;
    this.#dedupe?.settle(event.id, false);
    if (backend.handBack !== undefined) backend.handBack(event);
    else {
      backend.release?.(event, { reason: `Not handled: ${why}` }).catch((error: unknown) => {
        run.hooks.backendError?.("release", error, event);
      });
    }
  }

  /** Enqueues a start event; synchronously (returning undefined) when the backend allows it. */
  #enqueueStart(run: Run, event: Event): Promise<void> | undefined {
    const sync = this.#sync;
    if (sync === undefined) return this.#enqueueStartAsync(run, event, undefined);
    try {
      sync.enqueue(event);
    } catch (error) {
      return this.#enqueueStartAsync(run, event, error);
    }
    run.hooks.enqueued?.(event);
    return undefined;
  }

  async #enqueueStartAsync(run: Run, event: Event, firstError: unknown): Promise<void> {
    const failure = await run.enqueue.deliver(
      [event],
      () => this.#backend.enqueue(event),
      firstError,
    );
    if (failure === undefined) {
      run.hooks.enqueued?.(event);
      return;
    }
    if (failure.error instanceof EnqueueError) throw failure.error;
    // Stored start events are not enough: a run without its start event would do nothing.
    throw new EnqueueError(event, 1, failure.error);
  }

  #track(pending: Promise<void>): void {
    this.#inFlight++;
    void pending.then(() => {
      this.#inFlight--;
      const wake = this.#onSlotFree;
      this.#onSlotFree = undefined;
      wake?.();
    });
  }

  #slotFreed(): Promise<void> {
    return new Promise((resolve) => {
      this.#onSlotFree = resolve;
    });
  }
}

function startEvents(start: Event | readonly Event[] | undefined): readonly Event[] {
  const list =
    start === undefined
      ? []
      : start instanceof Event
        ? [start]
        : Array.isArray(start)
          ? (start as readonly Event[])
          : [start as unknown as Event];
  for (const event of list) {
    if (!(event instanceof Event)) {
      throw new TypeError(`run() takes an Event or an array of Events, got ${shapeOf(event)}`);
    }
  }
  return list;
}
