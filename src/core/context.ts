/**
 * The handler context: one small object per handler call, whose parts (signal, logger, attempt)
 * are built only when the handler reads them, so a handler that takes only its event pays for
 * none of them.
 */
import type { Backend } from "./backend.js";
import type { Event } from "./event.js";
import type { HandlerContext } from "./handler.js";
import type { Logger } from "./logging.js";

/** Aborts a context's signal; called by the timeout middleware. Not part of the public context. */
export const ABORT: unique symbol = Symbol("necrostack.abort");

/** What every call of one run shares. */
export class CallScope {
  readonly log: Logger;
  readonly backend: Backend;
  /** Calls whose signal was read and that have not ended: aborted together on a hard stop. */
  readonly #watched = new Set<Call>();
  #stopReason: unknown;
  #stopped = false;

  constructor(log: Logger, backend: Backend) {
    this.log = log;
    this.backend = backend;
  }

  /** Aborts the signal of every call under way, and of every call started from now on. */
  abortAll(reason: unknown): void {
    this.#stopped = true;
    this.#stopReason = reason;
    for (const call of this.#watched) call[ABORT](reason);
    this.#watched.clear();
  }

  /** @internal */
  watch(call: Call, controller: AbortController): void {
    if (this.#stopped) controller.abort(this.#stopReason);
    else this.#watched.add(call);
  }

  /** @internal */
  unwatch(call: Call): void {
    this.#watched.delete(call);
  }
}

/** The context of one handler call. */
export class Call implements HandlerContext {
  readonly organ: string;
  readonly #event: Event;
  readonly #scope: CallScope;
  #controller: AbortController | undefined;
  #abortedBy: { reason: unknown } | undefined;
  #log: Logger | undefined;

  constructor(event: Event, organ: string, scope: CallScope) {
    this.#event = event;
    this.organ = organ;
    this.#scope = scope;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = new AbortController();
      this.#controller = controller;
      if (this.#abortedBy !== undefined) controller.abort(this.#abortedBy.reason);
      else this.#scope.watch(this, controller);
    }
    return this.#controller.signal;
  }

  get attempt(): number {
    return this.#scope.backend.deliveryAttempt?.(this.#event) ?? 1;
  }

  get headers(): Readonly<Record<string, string>> {
    return this.#event.headers;
  }

  get log(): Logger {
    if (this.#log === undefined) {
      const event = this.#event;
      this.#log = this.#scope.log.child({
        event_id: event.id,
        event_type: event.eventType,
        organ: this.organ,
        correlation_id: event.headers["correlation-id"] ?? event.id,
      });
    }
    return this.#log;
  }

  /** The call has ended: a late abort no longer concerns it. */
  end(): void {
    if (this.#controller !== undefined) this.#scope.unwatch(this);
  }

  [ABORT](reason: unknown): void {
    if (this.#controller === undefined) this.#abortedBy = { reason };
    else this.#controller.abort(reason);
  }
}

/** What dispatch calls a context with, besides what a handler reads. */
export interface CallLike extends HandlerContext {
  end(): void;
}

const NEVER_ABORTED = new AbortController().signal;

/**
 * The context passed where no user code can read it: a handler that declares only its event,
 * with no middleware and no retry around it. Shared, so such calls allocate nothing.
 */
export const INERT: CallLike = Object.freeze({
  signal: NEVER_ABORTED,
  attempt: 1,
  get log(): Logger {
    throw new Error(
      "The inert handler context has no logger: declare handle(event, ctx) to get one",
    );
  },
  headers: Object.freeze({}),
  organ: "",
  end(): void {},
});
