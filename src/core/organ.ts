/**
 * The Organ: a handler class that names the event types it listens to and returns zero or more
 * new events. `listensTo` plus one `handle` method is the whole contract; `middleware` wraps
 * `handle` for this organ only.
 */
import type { Event } from "./event.js";
import type { HandlerContext, HandlerResult, Middleware } from "./handler.js";

export type { HandlerResult } from "./handler.js";

/**
 * Subclass it, list the event types in `listensTo`, and implement `handle`.
 *
 * ```ts
 * class Greeter extends Organ<Event<"USER_JOINED", { name: string }>> {
 *   readonly listensTo = ["USER_JOINED"] as const;
 *   handle(event: Event<"USER_JOINED", { name: string }>) {
 *     return new Event("GREETING_SENT", { text: `Hello, ${event.payload.name}` });
 *   }
 * }
 * ```
 */
export abstract class Organ<TIn extends Event = Event> {
  /** The event types this organ handles. Routing is by exact match. */
  abstract readonly listensTo: readonly TIn["eventType"][];
  /** The name in logs and stats: the subclass's name unless one is given to `super(name)`. */
  readonly name: string;
  /**
   * Middleware for this organ only, inside the Spine's own (`new Spine({ middleware })`), the
   * first in the list outermost. A `static middleware` on the subclass works too; an instance
   * field wins over it.
   */
  readonly middleware?: readonly Middleware[];

  constructor(name?: string) {
    this.name = name ?? new.target.name;
  }

  /**
   * Handles one event and returns the events it causes. May be sync or async. Throwing (or
   * rejecting) counts as a handler failure; the Spine's `handlerFailureMode` says what follows.
   * `ctx` (signal, attempt, log, headers) may be left undeclared: `handle(event)` works. The
   * Spine always passes it; it is optional here so a test can call `organ.handle(event)`.
   */
  abstract handle(event: TIn, ctx?: HandlerContext): HandlerResult | Promise<HandlerResult>;
}
