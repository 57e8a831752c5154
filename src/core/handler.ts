/**
 * The handler pipeline's types: what a handler is given besides its event, and the shape of
 * middleware. An organ's chain is composed once, when the Spine is built (see pipeline.ts).
 */
import type { Event } from "./event.js";
import type { Logger } from "./logging.js";

/** What a handler may return: one event, several (enqueued in order), or nothing. */
// biome-ignore lint/suspicious/noConfusingVoidType: lets a handler with no return statement type-check.
export type HandlerResult = Event | readonly Event[] | null | undefined | void;

/** What a handler gets besides its event. */
export interface HandlerContext {
  /**
   * Aborts when the handler runs past its timeout, and when the Spine is stopped and its grace
   * period ends: pass it to `fetch` and the like so abandoned work stops.
   */
  readonly signal: AbortSignal;
  /** 1 on the event's first delivery; the backend's delivery count when it was delivered again. */
  readonly attempt: number;
  /** A child logger with `event_id`, `event_type`, `organ` and `correlation_id`. */
  readonly log: Logger;
  /** The event's headers (the same object as `event.headers`). */
  readonly headers: Readonly<Record<string, string>>;
  /** The name of the organ handling the event. */
  readonly organ: string;
}

/** One step of the pipeline: the organ's handler, or a middleware wrapped around it. */
export type Handler<E extends Event = Event> = (
  event: E,
  ctx: HandlerContext,
) => HandlerResult | Promise<HandlerResult>;

/** What middleware sees of the organ it wraps. */
export interface OrganInfo {
  readonly name: string;
  readonly listensTo: readonly string[];
}

/**
 * Wraps a handler: gets the next step and the organ, returns the step to run instead. Called
 * once per organ when the Spine is built, never per event. The outermost middleware is the first
 * in the list: `[a, b]` runs a, then b, then the handler.
 *
 * ```ts
 * const timing: Middleware = (next, organ) => async (event, ctx) => {
 *   const started = performance.now();
 *   try { return await next(event, ctx); }
 *   finally { ctx.log.debug({ ms: performance.now() - started }, `${organ.name} done`); }
 * };
 * ```
 */
export type Middleware = (next: Handler, organ: OrganInfo) => Handler;
