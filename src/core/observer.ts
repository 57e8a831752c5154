/**
 * Observers: what the Spine reports as it works. The JSON logs and the stats are two observers;
 * `new Spine({ observers })` adds more (metrics, tracing, tests). Every method is optional and
 * costs nothing when no observer implements it: the Spine calls a hook only if some observer has
 * it, and builds nothing for it otherwise.
 *
 * An observer must not change what it is given. One that throws is logged once and keeps being
 * called: a broken metrics exporter must not stop the events.
 */
import type { Event } from "./event.js";
import type { OrganInfo } from "./handler.js";
import { errorField, type Logger } from "./logging.js";
import type { SpineStats } from "./stats.js";

/** What followed a failed enqueue, for {@link SpineObserver.enqueueError}. */
export interface EnqueueFailure {
  /** Kept in the failed-event store, tried again after `delayMs`, or fatal to the run. */
  readonly outcome: "stored" | "retrying" | "fatal";
  /** Which attempt failed: 1 for the first. */
  readonly attempt: number;
  /** Attempts allowed in all (1 when there are no retries). */
  readonly attempts: number;
  /** With "retrying": the wait before the next attempt. */
  readonly delayMs: number;
}

/** What a run was asked to do, for {@link SpineObserver.runStarted}. */
export interface RunInfo {
  readonly until: "idle" | "stopped";
}

export interface SpineObserver {
  /** A run began. */
  runStarted?(info: RunInfo): void;
  /** A run ended, with its stats, and the error it rejects with if any. */
  runEnded?(stats: SpineStats, error: unknown): void;
  /** An event was pulled and is about to go to its organs. */
  received?(event: Event): void;
  /** `event` is about to go to `organ`. */
  dispatch?(event: Event, organ: OrganInfo): void;
  /** `organ` finished `event` (successfully or not) after `durationMs`. */
  handled?(event: Event, organ: OrganInfo, durationMs: number): void;
  /** `organ` returned `events` for `event`. */
  emitted?(event: Event, organ: OrganInfo, events: readonly Event[]): void;
  /** `organ` failed on `event`. `retrying` when a retry policy will run it again. */
  handlerError?(event: Event, organ: OrganInfo, error: unknown, retrying: boolean): void;
  /** A start event given to `run` was accepted by the backend. */
  enqueued?(event: Event): void;
  /** `event` (emitted, or a start event) could not be enqueued; `failure` says what followed. */
  enqueueError?(event: Event, error: unknown, failure: EnqueueFailure): void;
  /** `event` is done: acked, with `emitted` accepted by the backend (committed with it, if atomic). */
  committed?(event: Event, emitted: readonly Event[]): void;
  /** `event` was skipped: an event with its id was committed before (`dedupe`). */
  deduplicated?(event: Event): void;
  /** A backend call failed. `event` is the one it was about, if any. */
  backendError?(operation: string, error: unknown, event: Event | undefined): void;
  /** No organ listens to `event`'s type; it was acked. */
  unrouted?(event: Event): void;
  /** The Spine gave `event` up to the backend's dead-letter store (or its failed-event store). */
  deadLettered?(event: Event, reason: string): void;
  /** Loop protection stopped `event`: its hop is past `maxHops`. */
  loopStopped?(event: Event, hop: number, maxHops: number): void;
  /** The Spine left `event` unacked for the backend to deliver again (after `delayMs`). */
  released?(event: Event, reason: string, delayMs: number): void;
}

type Hook = keyof SpineObserver;

/**
 * Every hook, none set: the one list of hook names, and the shape of every composed set. The
 * Spine reads these on every event, so they all share one shape with every key present.
 */
const NO_HOOKS: { readonly [K in Hook]: undefined } = {
  runStarted: undefined,
  runEnded: undefined,
  received: undefined,
  dispatch: undefined,
  handled: undefined,
  emitted: undefined,
  handlerError: undefined,
  enqueued: undefined,
  enqueueError: undefined,
  committed: undefined,
  deduplicated: undefined,
  backendError: undefined,
  unrouted: undefined,
  deadLettered: undefined,
  loopStopped: undefined,
  released: undefined,
};
const HOOKS = Object.keys(NO_HOOKS) as Hook[];

/** The hooks, each the fan-out to every observer that has it, or undefined when none does. */
export type ObserverHooks = { readonly [K in Hook]: SpineObserver[K] };

/**
 * Builds one function per hook that calls every observer having it, each in its own try/catch
 * (`trusted`, the Spine's own stats, needs none). Built once per run, so adding observers costs
 * nothing per event beyond the calls themselves.
 */
export function composeObservers(
  observers: readonly SpineObserver[],
  log: Logger,
  trusted?: SpineObserver,
): ObserverHooks {
  const failed = new WeakSet<SpineObserver>();
  const report = (observer: SpineObserver, hook: Hook, error: unknown): void => {
    if (failed.has(observer)) return;
    failed.add(observer);
    log.error(
      { hook, error: errorField(error) },
      `An observer threw in ${hook} (logged once; it is still called): ${errorField(error)}`,
    );
  };
  type Call = (a: unknown, b: unknown, c: unknown, d: unknown) => void;
  const hooks: Record<Hook, Call | undefined> = { ...NO_HOOKS };
  for (const hook of HOOKS) {
    const having = observers.filter((o) => typeof o[hook] === "function");
    if (having.length === 0) continue;
    // The Spine's own stats cannot throw: called directly, with no wrapper.
    const direct = trusted !== undefined && having.includes(trusted) ? trusted : undefined;
    const guarded = direct === undefined ? having : having.filter((o) => o !== direct);
    const first = guarded[0];
    const directMethod = direct === undefined ? undefined : (direct[hook] as Call).bind(direct);
    if (first === undefined) {
      hooks[hook] = directMethod;
      continue;
    }
    // Fixed arity (no rest parameters, no apply): these run several times per event.
    const method = first[hook] as Call;
    const guard: Call =
      guarded.length === 1
        ? (a, b, c, d) => {
            try {
              method.call(first, a, b, c, d);
            } catch (error) {
              report(first, hook, error);
            }
          }
        : (a, b, c, d) => {
            for (const observer of guarded) {
              try {
                (observer[hook] as Call).call(observer, a, b, c, d);
              } catch (error) {
                report(observer, hook, error);
              }
            }
          };
    hooks[hook] =
      directMethod === undefined
        ? guard
        : (a, b, c, d) => {
            directMethod(a, b, c, d);
            guard(a, b, c, d);
          };
  }
  return hooks as ObserverHooks;
}
