/** The options of `RoutingBackend`, their defaults and their checks. */
import type { Backend } from "../../core/backend.js";
import { InvalidOptionError } from "../../core/errors.js";
import type { Logger } from "../../core/logging.js";
import { shapeOf } from "../../utils/shape.js";
import { ForwardTargetError } from "./errors.js";
import { compileTypePatterns, type TypeMatcher } from "./type-patterns.js";

/** One route: events whose type matches one of `types` go to `backend`. */
export interface Route {
  /** Event-type patterns: `*` matches any run of characters (`"AUDIT_*"`, `"*"`). */
  readonly types: readonly string[];
  readonly backend: Backend;
}

export interface RoutingBackendOptions {
  /**
   * Tried in order: an event goes to the backend of the first route whose types match its type.
   * A backend may appear in several routes. End with `{ types: ["*"], backend }` to take every
   * other type; without it, an event no route matches is refused with `NoRouteError`.
   */
  routes: readonly Route[];
  /**
   * Forwards under way at once (events pulled from one backend for another's route); past it,
   * `pull` waits for one to end.
   * @defaultValue 64
   */
  maxForwardsInFlight?: number;
  /**
   * How long a source backend waits before delivering again an event whose forward failed
   * (where it declares `delayedRelease`).
   * @defaultValue 1_000
   */
  forwardRetryDelayMs?: number;
  /** A pino logger to log through (as its child `necrostack.routing`), or `false` for none. */
  logger?: Logger | false;
}

export interface ResolvedRoute {
  readonly types: readonly string[];
  readonly matches: TypeMatcher;
  readonly backend: Backend;
}

export interface ResolvedRoutingOptions {
  readonly routes: readonly ResolvedRoute[];
  /** Every backend routed to, once each, in the order of first appearance. */
  readonly backends: readonly Backend[];
  readonly maxForwardsInFlight: number;
  readonly forwardRetryDelayMs: number;
  readonly logger: Logger | false | undefined;
}

export function resolveRoutingOptions(options: RoutingBackendOptions): ResolvedRoutingOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "an object with `routes`", options);
  }
  const { routes } = options;
  if (!Array.isArray(routes) || routes.length === 0) {
    throw new InvalidOptionError("routes", "a non-empty array of { types, backend }", routes);
  }
  const resolved: ResolvedRoute[] = [];
  const backends: Backend[] = [];
  for (let i = 0; i < routes.length; i++) {
    const route: unknown = routes[i];
    if (typeof route !== "object" || route === null) {
      throw new InvalidOptionError(`routes[${i}]`, "an object { types, backend }", route);
    }
    const { types, backend } = route as Partial<Route>;
    const matches = compileTypePatterns(types, `routes[${i}].types`);
    if (!isBackend(backend)) {
      throw new InvalidOptionError(
        `routes[${i}].backend`,
        "a Backend (with capabilities, enqueue, pull and ack)",
        backend,
      );
    }
    resolved.push({ types: Object.freeze([...(types as string[])]), matches, backend });
    if (!backends.includes(backend)) backends.push(backend);
  }
  if (backends.length > 1) {
    for (let i = 0; i < resolved.length; i++) {
      const { backend } = resolved[i] as ResolvedRoute;
      const caps = backend.capabilities;
      if (caps.durable && (caps.idempotentEnqueue !== true || backend.enqueueOnce === undefined)) {
        throw new ForwardTargetError(`routes[${i}].backend`, shapeOf(backend));
      }
    }
  }
  const maxForwardsInFlight = options.maxForwardsInFlight ?? 64;
  if (!Number.isSafeInteger(maxForwardsInFlight) || maxForwardsInFlight < 1) {
    throw new InvalidOptionError("maxForwardsInFlight", "an integer >= 1", maxForwardsInFlight);
  }
  const forwardRetryDelayMs = options.forwardRetryDelayMs ?? 1_000;
  if (!Number.isSafeInteger(forwardRetryDelayMs) || forwardRetryDelayMs < 0) {
    throw new InvalidOptionError("forwardRetryDelayMs", "an integer >= 0", forwardRetryDelayMs);
  }
  return {
    routes: resolved,
    backends,
    maxForwardsInFlight,
    forwardRetryDelayMs,
    logger: options.logger,
  };
}

function isBackend(value: unknown): value is Backend {
  if (typeof value !== "object" || value === null) return false;
  const backend = value as Partial<Backend>;
  return (
    typeof backend.capabilities === "object" &&
    typeof backend.enqueue === "function" &&
    typeof backend.pull === "function" &&
    typeof backend.ack === "function"
  );
}
