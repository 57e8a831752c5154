/**
 * The routing table: event type -> the routes that take it, in the order the organs were given.
 * Each route is an organ and its handler chain, composed here once, when the Spine is built:
 * the Spine's middleware, then the organ's own, then retry and timeout, then `handle`. Dispatch
 * is then one map lookup and one call per organ.
 */
import { organsOf } from "./decorators.js";
import { describeValue } from "./errors.js";
import type { Event } from "./event.js";
import { checkMiddlewareList } from "./function-organ.js";
import type { Handler, Middleware, OrganInfo } from "./handler.js";
import { Organ } from "./organ.js";
import { type ResolvedRetryPolicy, resolveRetryPolicy, retryMiddleware } from "./retry-policy.js";
import type { RetryPolicy } from "./retry-policy-types.js";
import { timeoutMiddleware } from "./timeout.js";

/** One organ as routed: what it is, and its composed handler chain. */
export interface Route {
  readonly organ: Organ;
  readonly info: OrganInfo;
  readonly handler: Handler;
  /**
   * Whether any code can read the handler context: a middleware, a retry policy, or a `handle`
   * that declares it. When none can, dispatch passes a shared inert one and allocates nothing.
   */
  readonly usesContext: boolean;
}

export type RouteTable = ReadonlyMap<string, readonly Route[]>;

/** What the table needs from the Spine's options. */
export interface RouteOptions {
  readonly middleware: readonly Middleware[];
  readonly handlerTimeoutMs: number;
  readonly retry: ReadonlyMap<string, ResolvedRetryPolicy>;
  /** The backend delivers a released event again: retries come from redeliveries. */
  readonly redelivers: boolean;
}

/** An organ with the optional per-organ settings function organs and decorators set. */
interface OrganSettings {
  readonly retry?: RetryPolicy;
  readonly timeoutMs?: number;
}

/**
 * Checks every organ's contract and builds the table. An entry that is not an `Organ` but has
 * `@on` methods stands for one organ per such method. Throws a `TypeError` naming the organ and
 * what is wrong with it.
 */
export function buildRoutes(sources: readonly object[], options: RouteOptions): RouteTable {
  const routes = new Map<string, Route[]>();
  const organs: Organ[] = [];
  sources.forEach((source, index) => {
    // An Organ, or a plain object keeping its contract (listensTo and handle).
    if (
      source instanceof Organ ||
      (typeof source === "object" &&
        source !== null &&
        ("handle" in source || "listensTo" in source))
    ) {
      organs.push(source as Organ);
      return;
    }
    // A class (not an instance) goes to organsOf too: it says to pass an instance.
    const declared =
      (typeof source === "object" && source !== null) || typeof source === "function"
        ? organsOf(source)
        : undefined;
    if (declared === undefined) {
      throw new TypeError(
        `organs[${index}] must be an Organ instance or an object with @on(...) handler methods, got ${describeValue(source)}`,
      );
    }
    for (const organ of declared) organs.push(organ);
  });
  organs.forEach((organ, index) => {
    checkOrgan(organ, index);
    const { handler, usesContext } = compose(organ, options);
    const route: Route = {
      organ,
      info: { name: organ.name, listensTo: organ.listensTo },
      handler,
      usesContext,
    };
    // One organ listing a type twice still runs once per event.
    for (const type of new Set(organ.listensTo)) {
      const list = routes.get(type);
      if (list === undefined) routes.set(type, [route]);
      else list.push(route);
    }
  });
  return routes;
}

function compose(organ: Organ, options: RouteOptions): { handler: Handler; usesContext: boolean } {
  const info: OrganInfo = { name: organ.name, listensTo: organ.listensTo };
  const settings = organ as Organ & OrganSettings;
  let handler: Handler = organ.handle.bind(organ);
  let usesContext = organ.handle.length >= 2;
  const timeoutMs = settings.timeoutMs ?? options.handlerTimeoutMs;
  if (timeoutMs !== Number.POSITIVE_INFINITY) handler = timeoutMiddleware(timeoutMs)(handler, info);
  const own =
    settings.retry === undefined
      ? undefined
      : resolveRetryPolicy(`${organ.name}.retry`, settings.retry);
  if (own !== undefined || options.retry.size > 0) {
    const byType = options.retry;
    const fallback = byType.get("*");
    const policyFor = (event: Event): ResolvedRetryPolicy | undefined =>
      own ?? byType.get(event.eventType) ?? fallback;
    handler = retryMiddleware(policyFor, options.redelivers)(handler, info);
    usesContext = true;
  }
  const organMiddleware =
    settings.middleware ??
    (settings.constructor as { middleware?: readonly Middleware[] }).middleware ??
    [];
  checkMiddlewareList(organMiddleware, `Organ ${organ.name}: middleware`);
  // The first in a list is the outermost: wrap from the last.
  for (let i = organMiddleware.length - 1; i >= 0; i--) {
    handler = wrap(
      organMiddleware[i] as Middleware,
      handler,
      info,
      `Organ ${organ.name}: middleware[${i}]`,
    );
  }
  for (let i = options.middleware.length - 1; i >= 0; i--) {
    handler = wrap(options.middleware[i] as Middleware, handler, info, `middleware[${i}]`);
  }
  if (organMiddleware.length > 0 || options.middleware.length > 0) usesContext = true;
  return { handler, usesContext };
}

function wrap(middleware: Middleware, next: Handler, info: OrganInfo, label: string): Handler {
  const handler = middleware(next, info);
  if (typeof handler !== "function") {
    throw new TypeError(
      `${label} must return a handler function (next, organ) => (event, ctx) => ..., but for organ ${info.name} it returned ${describeValue(handler)}`,
    );
  }
  return handler;
}

function checkOrgan(organ: Organ, index: number): void {
  const label = `Organ ${typeof organ.name === "string" ? organ.name : `at organs[${index}]`}`;
  const { listensTo } = organ;
  if (!Array.isArray(listensTo)) {
    throw new TypeError(
      `${label}: listensTo must be an array of event type strings, got ${describeValue(listensTo)}`,
    );
  }
  listensTo.forEach((type: unknown, i) => {
    if (typeof type !== "string" || type.trim() === "") {
      throw new TypeError(
        `${label}: listensTo[${i}] must be a non-empty string, got ${describeValue(type)}`,
      );
    }
    if (type !== type.trim()) {
      throw new TypeError(
        `${label}: listensTo[${i}] has surrounding whitespace (${JSON.stringify(type)}); event types are trimmed, so it would never match`,
      );
    }
  });
  if (typeof organ.handle !== "function") {
    throw new TypeError(`${label}: handle must be a method, got ${describeValue(organ.handle)}`);
  }
  if (organ.handle.length !== 1 && organ.handle.length !== 2) {
    throw new TypeError(
      `${label}: handle must be declared with one parameter (the event) or two (the event and its context), but it declares ${organ.handle.length}`,
    );
  }
}
