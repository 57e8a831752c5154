/**
 * The Spine: pulls events from a backend, routes each to its organs in order, and enqueues what
 * they return. Failure handling (retries, the failed-event store, timeouts) lives in helpers
 * below the loop; the loop itself reads top to bottom.
 *
 * Speed: when the backend has a synchronous fast path (`pullNow`/`enqueueNow`/`ackNow`) and a
 * handler returns synchronously, an event is handled with no `await` at all. The loop yields to
 * the macrotask queue every {@link YIELD_EVERY} events so timers and I/O are never starved.
 */
import type { Backend } from "../backends/backend.js";
import { abortableSleep, withDeadline, yieldToMacrotasks } from "../utils/timing.js";
import { type Admission, Dedupe, HANDLE, SKIP } from "./dedupe.js";
import {
  BackendUnavailableError,
  EnqueueError,
  HandlerError,
  HandlerTimeoutError,
  MaxStepsExceededError,
  NecroStackError,
} from "./errors.js";
import { Event } from "./event.js";
import { type FailedEvent, FailedEventStore } from "./failed-events.js";
import { errorField, type Logger, resolveLogger } from "./logging.js";
import type { HandlerResult, Organ } from "./organ.js";
import { buildRoutes, type RouteTable } from "./routing.js";
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
/** Longest pause between failed pulls. */
const MAX_BACKOFF_MS = 1_000;
const NO_EVENTS: readonly Event[] = Object.freeze([]);

class SpineRunningError extends NecroStackError {
  constructor() {
    super("This Spine is already running; await its run() before starting another", "ERR_RUNNING");
  }
}

export class Spine {
  readonly #options: ResolvedSpineOptions;
  readonly #backend: Backend;
  readonly #routes: RouteTable;
  readonly #log: Logger;
  readonly #failed: FailedEventStore;
  readonly #enqueueFailures = new Map<string, number>();
  /** Under "nack": why each event still in flight failed, for the backend's dead-letter record. */
  readonly #nackReasons = new WeakMap<Event, string>();
  #stats = new StatsCounter();
  #running = false;
  #stopping = false;
  #stopController = new AbortController();
  /** The error the run will reject with, once one is fatal. */
  #fatal: unknown;
  #steps = 0;
  #inFlight = 0;
  #onSlotFree: (() => void) | undefined;
  #consecutivePullFailures = 0;
  /** Kept across runs: a redelivery may come after the run that committed the event ended. */
  readonly #dedupe: Dedupe | undefined;
  #infoOn = false;

  constructor(options: SpineOptions) {
    this.#options = resolveSpineOptions(options);
    this.#backend = this.#options.backend;
    this.#routes = buildRoutes(this.#options.organs);
    this.#log = resolveLogger(this.#options.logger, "necrostack.spine");
    this.#failed = new FailedEventStore(this.#options.maxFailedEvents);
    const { dedupe } = this.#options;
    this.#dedupe = dedupe === undefined ? undefined : new Dedupe(dedupe);
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
    const until = options.until ?? (this.#backend.durable === true ? "stopped" : "idle");
    if (until !== "idle" && until !== "stopped") {
      throw new TypeError(`Expected \`until\` to be "idle" or "stopped", got ${String(until)}`);
    }
    this.#begin();
    const { signal } = options;
    const onAbort = (): void => this.stop();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const starts =
        start === undefined
          ? NO_EVENTS
          : start instanceof Event
            ? [start]
            : Array.isArray(start)
              ? (start as readonly Event[])
              : [start as unknown as Event];
      for (const event of starts) {
        const pending = this.#enqueueStart(event);
        if (pending !== undefined) await pending;
      }
      if (signal?.aborted) this.stop();
      await this.#loop(until === "idle");
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.#stats.endedAt = Date.now();
      this.#running = false;
    }
    // Taken once the run is over, so the stats it resolves with say it is not running.
    return this.getStats();
  }

  /** Stops the run: events in flight finish (their events are enqueued and they are acked), nothing new is pulled. */
  stop(): void {
    if (!this.#running || this.#stopping) return;
    this.#stopping = true;
    this.#stopController.abort();
  }

  /** A snapshot of the current (or last) run's stats. */
  getStats(): SpineStats {
    return this.#stats.snapshot(this.#running, this.#failed.dropped, this.#dedupe?.size ?? 0);
  }

  /** Events that could not be enqueued, counted once each; for one event type if given. */
  getEnqueueFailureCount(eventType?: string): number {
    if (eventType !== undefined) return this.#enqueueFailures.get(eventType) ?? 0;
    let total = 0;
    for (const n of this.#enqueueFailures.values()) total += n;
    return total;
  }

  /** The failed-event store, oldest first. */
  failedEvents(): readonly FailedEvent[] {
    return this.#failed.list();
  }

  /** Empties the failed-event store and returns what it held (to replay it, for example). */
  drainFailedEvents(): readonly FailedEvent[] {
    return this.#failed.drain();
  }

  #begin(): void {
    this.#running = true;
    this.#stopping = false;
    this.#stopController = new AbortController();
    this.#fatal = undefined;
    this.#steps = 0;
    this.#inFlight = 0;
    this.#consecutivePullFailures = 0;
    this.#stats = new StatsCounter();
    this.#stats.startedAt = Date.now();
    // Checked once per run: no log record is built per event while info is off.
    this.#infoOn = this.#log.isLevelEnabled("info");
  }

  // ---------------------------------------------------------------------------------------------
  // The loop

  async #loop(untilIdle: boolean): Promise<void> {
    const { concurrency, maxSteps } = this.#options;
    const inProcess = this.#backend.pullNow !== undefined;
    let sinceYield = 0;
    while (!this.#stopping && this.#fatal === undefined) {
      if (this.#inFlight >= concurrency) {
        await this.#slotFreed();
        continue;
      }
      let event: Event | null | undefined = this.#backend.pullNow?.();
      if (event === undefined) {
        // In process, new events come only from handlers still running (or from the caller).
        if (inProcess && this.#inFlight > 0) {
          await this.#slotFreed();
          continue;
        }
        if (inProcess && untilIdle) break;
        event = await this.#pull();
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
          this.#skipOrWait(event, admission);
          continue;
        }
      }
      if (++this.#steps > maxSteps) {
        this.#fatal = new MaxStepsExceededError(maxSteps);
        this.#handBack(event, `the run stopped at maxSteps (${maxSteps})`);
        break;
      }
      const pending = this.#process(event);
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

  /** Handles one event: every listening organ in order, then enqueue + ack. Never rejects. */
  #process(event: Event): Promise<void> | undefined {
    this.#stats.eventsProcessed++;
    const organs = this.#routes.get(event.eventType);
    if (organs === undefined) {
      this.#stats.eventsUnrouted++;
      if (this.#infoOn) this.#logUnrouted(event);
      return this.#finish(event, undefined, false);
    }
    let emitted: Event[] | undefined;
    let failed = false;
    for (let i = 0; i < organs.length; i++) {
      const organ = organs[i] as Organ;
      if (this.#infoOn) this.#logDispatch(event, organ);
      let result: HandlerResult | Promise<HandlerResult>;
      try {
        result = organ.handle(event);
      } catch (error) {
        this.#handlerFailed(organ, event, error);
        failed = true;
        continue;
      }
      if (isThenable(result)) return this.#processAsync(event, organs, i, result, emitted, failed);
      const out = this.#collect(organ, event, result, emitted);
      if (out === false) failed = true;
      else emitted = out;
    }
    return this.#finish(event, emitted, failed);
  }

  /** The rest of {@link #process} once a handler has returned a promise. */
  async #processAsync(
    event: Event,
    organs: readonly Organ[],
    index: number,
    first: PromiseLike<HandlerResult>,
    emitted: Event[] | undefined,
    failed: boolean,
  ): Promise<void> {
    for (let i = index; i < organs.length; i++) {
      const organ = organs[i] as Organ;
      let result: HandlerResult;
      try {
        if (i === index) {
          result = await this.#withTimeout(first, organ, event);
        } else {
          if (this.#infoOn) this.#logDispatch(event, organ);
          const value = organ.handle(event);
          result = isThenable(value) ? await this.#withTimeout(value, organ, event) : value;
        }
      } catch (error) {
        this.#handlerFailed(organ, event, error);
        failed = true;
        continue;
      }
      const out = this.#collect(organ, event, result, emitted);
      if (out === false) failed = true;
      else emitted = out;
    }
    await this.#finish(event, emitted, failed);
  }

  /**
   * Enqueues what the organs returned and acks the event, through the backend's atomic `commit`
   * when it has one. A handler failure under "nack" leaves the event unacked and enqueues nothing.
   * Every path ends in {@link #settled} or {@link #leaveUnacked}, exactly once.
   */
  #finish(event: Event, emitted: Event[] | undefined, failed: boolean): Promise<void> | undefined {
    if (failed && this.#options.handlerFailureMode === "nack") {
      this.#log.warn(
        { event_id: event.id, event_type: event.eventType },
        `Leaving ${event.eventType} unacked after a handler failure (handlerFailureMode "nack")`,
      );
      this.#leaveUnacked(event, this.#nackReasons.get(event));
      return undefined;
    }
    const backend = this.#backend;
    if (backend.commit !== undefined) return this.#commit(event, emitted ?? NO_EVENTS);
    if (backend.enqueueNow !== undefined && backend.ackNow !== undefined) {
      if (emitted !== undefined) {
        for (let i = 0; i < emitted.length; i++) {
          const next = emitted[i] as Event;
          try {
            backend.enqueueNow(next);
            this.#stats.eventsEmitted++;
          } catch (error) {
            if (this.#options.enqueueFailureMode === "store") {
              this.#countEnqueueFailure(next);
              this.#storeEnqueueFailure(next, error);
            } else {
              return this.#finishAsync(event, emitted, i, error);
            }
          }
        }
      }
      if (this.#ackNow(event)) this.#settled(event, true);
      else this.#leaveUnacked(event, "Its ack failed");
      return undefined;
    }
    return this.#finishAsync(event, emitted ?? NO_EVENTS, 0, undefined);
  }

  async #finishAsync(
    event: Event,
    emitted: readonly Event[],
    from: number,
    firstError: unknown,
  ): Promise<void> {
    for (let i = from; i < emitted.length; i++) {
      const next = emitted[i] as Event;
      const failure = await this.#deliver(
        [next],
        () => this.#backend.enqueue(next),
        i === from ? firstError : undefined,
      );
      if (failure === undefined) this.#stats.eventsEmitted++;
      // Stored under "store"; otherwise the run fails, and the event is left for redelivery.
      // (Another event's fatal error does not stop this one: events in flight finish.)
      else if (this.#options.enqueueFailureMode !== "store") {
        this.#leaveUnacked(event, errorField(failure.error));
        return;
      }
    }
    try {
      await this.#backend.ack(event);
    } catch (error) {
      this.#backendFailed("ack", error, event);
      this.#leaveUnacked(event, `Its ack failed: ${errorField(error)}`);
      return;
    }
    this.#settled(event, true);
  }

  async #commit(event: Event, emitted: readonly Event[]): Promise<void> {
    const commit = this.#backend.commit as NonNullable<Backend["commit"]>;
    if (emitted.length === 0) {
      try {
        await commit.call(this.#backend, event, emitted);
      } catch (error) {
        this.#backendFailed("ack", error, event);
        this.#leaveUnacked(event, `Its commit failed: ${errorField(error)}`);
        return;
      }
      this.#settled(event, true);
      return;
    }
    // A failed commit acked nothing: under "store" the event stays unacked, so a durable backend
    // delivers it again and its events are made again.
    const failure = await this.#deliver(emitted, () => commit.call(this.#backend, event, emitted));
    if (failure !== undefined) {
      this.#leaveUnacked(event, `Its commit failed: ${errorField(failure.error)}`);
      return;
    }
    this.#stats.eventsEmitted += emitted.length;
    this.#settled(event, true);
  }

  /** The Spine is done with an event it handled: committed (acked) or not. */
  #settled(event: Event, committed: boolean): void {
    this.#dedupe?.settle(event.id, committed);
  }

  /** Done with `event` without acking it: the backend stops holding it and delivers it again. */
  #leaveUnacked(event: Event, reason: string | undefined): void {
    this.#backend.release?.(event, reason);
    this.#settled(event, false);
  }

  /**
   * Gives back an event pulled but never handled (the run is stopping), so the next run or
   * another consumer gets it; a backend without `handBack` gets `release`.
   */
  #handBack(event: Event, why: string): void {
    const backend = this.#backend;
    if (backend.handBack !== undefined) backend.handBack(event);
    else backend.release?.(event, `Not handled: ${why}`);
    this.#dedupe?.settle(event.id, false);
    this.#log.info(
      { event_id: event.id, event_type: event.eventType },
      `Handed ${event.eventType} back to the backend unhandled: ${why}`,
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Dedupe

  /** An event `admit` did not let through: a duplicate is acked; a copy waits for its twin. */
  #skipOrWait(event: Event, admission: Exclude<Admission, typeof HANDLE>): void {
    const pending =
      admission === SKIP ? this.#skip(event) : admission.then(() => this.#readmit(event));
    if (pending !== undefined) this.#track(pending);
  }

  #skip(event: Event): Promise<void> | undefined {
    this.#stats.eventsDeduplicated++;
    if (this.#backend.ackNow !== undefined) {
      this.#ackNow(event);
      return undefined;
    }
    return this.#backend
      .ack(event)
      .catch((error: unknown) => this.#backendFailed("ack", error, event));
  }

  /** A copy that waited, admitted again now that its twin is settled. */
  #readmit(event: Event): Promise<void> | undefined {
    const admission = (this.#dedupe as Dedupe).admit(event.id);
    if (admission === SKIP) return this.#skip(event);
    if (admission !== HANDLE) return admission.then(() => this.#readmit(event));
    const { maxSteps } = this.#options;
    if (this.#fatal !== undefined) {
      this.#handBack(event, "the run stopped after an error");
      return undefined;
    }
    if (++this.#steps > maxSteps) {
      this.#fatal = new MaxStepsExceededError(maxSteps);
      this.#handBack(event, `the run stopped at maxSteps (${maxSteps})`);
      return undefined;
    }
    return this.#process(event);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers: results, failures, retries, pulls

  /**
   * Appends a handler's result to `emitted`. Returns the (possibly new) array, or false after
   * recording a handler error for a result that is not events.
   */
  #collect(
    organ: Organ,
    event: Event,
    result: HandlerResult,
    emitted: Event[] | undefined,
  ): Event[] | undefined | false {
    if (result === undefined || result === null) return emitted;
    if (result instanceof Event) {
      if (this.#infoOn) this.#logEmitted(event, organ, [result]);
      if (emitted === undefined) return [result];
      emitted.push(result);
      return emitted;
    }
    if (Array.isArray(result)) {
      const events = result as readonly unknown[];
      for (let i = 0; i < events.length; i++) {
        if (!(events[i] instanceof Event)) {
          this.#handlerFailed(
            organ,
            event,
            new HandlerError(
              organ.name,
              event,
              `returned an array whose element [${i}] is ${shapeOf(events[i])}, not an Event; none of it was enqueued`,
              "ERR_HANDLER_RESULT",
            ),
          );
          return false;
        }
      }
      if (events.length === 0) return emitted;
      if (this.#infoOn) this.#logEmitted(event, organ, events as readonly Event[]);
      if (emitted === undefined) return (events as Event[]).slice();
      for (const e of events as readonly Event[]) emitted.push(e);
      return emitted;
    }
    this.#handlerFailed(
      organ,
      event,
      new HandlerError(
        organ.name,
        event,
        `returned ${shapeOf(result)}; a handler must return an Event, an array of Events, or nothing`,
        "ERR_HANDLER_RESULT",
      ),
    );
    return false;
  }

  #handlerFailed(organ: Organ, event: Event, error: unknown): void {
    this.#stats.countHandlerError(organ.name);
    this.#log.error(
      {
        event_id: event.id,
        event_type: event.eventType,
        organ: organ.name,
        error: errorField(error),
      },
      `Organ ${organ.name} failed on ${event.eventType}: ${errorField(error)}`,
    );
    if (this.#options.handlerFailureMode === "nack") {
      this.#nackReasons.set(event, `Organ ${organ.name} failed: ${errorField(error)}`);
    }
    if (this.#options.handlerFailureMode === "store") {
      this.#failed.add({ event, error, stage: "handler", organ: organ.name, failedAt: Date.now() });
    }
  }

  #withTimeout(
    result: PromiseLike<HandlerResult>,
    organ: Organ,
    event: Event,
  ): Promise<HandlerResult> {
    const ms = this.#options.handlerTimeoutMs;
    if (ms === Number.POSITIVE_INFINITY) return Promise.resolve(result);
    return withDeadline(result, ms, () => new HandlerTimeoutError(organ.name, event, ms));
  }

  /**
   * Sends `events` with `send` under the enqueue failure mode: retries, stores, or records the
   * fatal `EnqueueError`. Each event is counted once as an enqueue failure, however many retries
   * it took. Resolves undefined when sent, else the last error.
   */
  async #deliver(
    events: readonly Event[],
    send: () => Promise<void>,
    firstError?: unknown,
  ): Promise<{ readonly error: unknown } | undefined> {
    const { enqueueFailureMode: mode, retryAttempts, retryBaseDelayMs } = this.#options;
    let error = firstError;
    let attempts = error === undefined ? 0 : 1;
    if (error === undefined) {
      try {
        await send();
        return undefined;
      } catch (e) {
        error = e;
        attempts = 1;
      }
    }
    for (const event of events) this.#countEnqueueFailure(event);
    if (mode === "store") {
      for (const event of events) this.#storeEnqueueFailure(event, error);
      return { error };
    }
    if (mode === "retry") {
      for (let retry = 0; retry < retryAttempts; retry++) {
        const delay = retryBaseDelayMs * 2 ** retry;
        this.#log.warn(
          {
            event_id: events[0]?.id,
            event_type: events[0]?.eventType,
            error: errorField(error),
            attempt: retry + 1,
            delay_ms: delay,
          },
          `Enqueue failed, retry ${retry + 1}/${retryAttempts} in ${delay} ms: ${errorField(error)}`,
        );
        await abortableSleep(delay);
        attempts++;
        try {
          await send();
          return undefined;
        } catch (e) {
          error = e;
        }
      }
    }
    const fatal = new EnqueueError(events[0] as Event, attempts, error);
    this.#log.error(
      { event_id: fatal.eventId, event_type: fatal.eventType, error: errorField(error) },
      fatal.message,
    );
    this.#fatal ??= fatal;
    return { error: fatal };
  }

  /** Enqueues a start event; synchronously (returning undefined) when the backend allows it. */
  #enqueueStart(event: Event): Promise<void> | undefined {
    if (!(event instanceof Event)) {
      throw new TypeError(`run() takes an Event or an array of Events, got ${shapeOf(event)}`);
    }
    const enqueueNow = this.#backend.enqueueNow;
    if (enqueueNow === undefined) return this.#enqueueStartAsync(event, undefined);
    try {
      enqueueNow.call(this.#backend, event);
      return undefined;
    } catch (error) {
      return this.#enqueueStartAsync(event, error);
    }
  }

  async #enqueueStartAsync(event: Event, firstError: unknown): Promise<void> {
    const failure = await this.#deliver([event], () => this.#backend.enqueue(event), firstError);
    if (failure === undefined) return;
    const fatal = this.#fatal;
    this.#fatal = undefined;
    if (fatal instanceof EnqueueError) throw fatal;
    // Stored start events are not enough: a run without its start event would do nothing.
    throw new EnqueueError(event, 1, this.#failed.list().at(-1)?.error);
  }

  #countEnqueueFailure(event: Event): void {
    this.#stats.enqueueFailures++;
    this.#enqueueFailures.set(
      event.eventType,
      (this.#enqueueFailures.get(event.eventType) ?? 0) + 1,
    );
  }

  #storeEnqueueFailure(event: Event, error: unknown): void {
    this.#log.warn(
      { event_id: event.id, event_type: event.eventType, error: errorField(error) },
      `Enqueue failed; ${event.eventType} kept in the failed-event store: ${errorField(error)}`,
    );
    this.#failed.add({ event, error, stage: "enqueue", failedAt: Date.now() });
  }

  /** Acks on the synchronous path; false (logged) when the backend threw. */
  #ackNow(event: Event): boolean {
    try {
      (this.#backend.ackNow as (event: Event) => void)(event);
      return true;
    } catch (error) {
      this.#backendFailed("ack", error, event);
      return false;
    }
  }

  /**
   * One blocking pull, with the consecutive-failure guard and a backoff after each failure.
   * Resolves `null` when the backend had no event, `undefined` when the pull failed.
   */
  async #pull(): Promise<Event | null | undefined> {
    try {
      const event = await this.#backend.pull(
        this.#options.pollTimeoutMs,
        this.#stopController.signal,
      );
      this.#consecutivePullFailures = 0;
      return event;
    } catch (error) {
      const failures = ++this.#consecutivePullFailures;
      this.#backendFailed("pull", error);
      if (failures >= this.#options.maxConsecutiveBackendFailures) {
        this.#fatal ??= new BackendUnavailableError(failures, error);
        return undefined;
      }
      await abortableSleep(
        Math.min(MAX_BACKOFF_MS, 10 * 2 ** failures),
        this.#stopController.signal,
      );
      return undefined;
    }
  }

  #backendFailed(operation: string, error: unknown, event?: Event): void {
    this.#stats.backendErrors++;
    this.#log.error(
      event === undefined
        ? { error: errorField(error) }
        : { event_id: event.id, event_type: event.eventType, error: errorField(error) },
      `Backend ${operation} failed: ${errorField(error)}`,
    );
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

  // ---------------------------------------------------------------------------------------------
  // Log lines

  #logDispatch(event: Event, organ: Organ): void {
    this.#log.info(
      { event_id: event.id, event_type: event.eventType, organ: organ.name },
      `Dispatching ${event.eventType} to ${organ.name}`,
    );
  }

  #logEmitted(event: Event, organ: Organ, events: readonly Event[]): void {
    this.#log.info(
      {
        event_id: event.id,
        event_type: event.eventType,
        organ: organ.name,
        emitted: events.map((e) => e.eventType),
      },
      `Organ ${organ.name} emitted ${events.length} event${events.length === 1 ? "" : "s"}`,
    );
  }

  #logUnrouted(event: Event): void {
    this.#log.info(
      { event_id: event.id, event_type: event.eventType },
      `No organ listens to ${event.eventType}; acked`,
    );
  }
}

function isThenable(value: unknown): value is PromiseLike<HandlerResult> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function shapeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)
      ?.constructor?.name;
    return name && name !== "Object" ? `a ${name} instance` : "a plain object";
  }
  return `a ${typeof value} (${String(value)})`;
}
