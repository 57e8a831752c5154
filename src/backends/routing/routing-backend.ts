/**
 * RoutingBackend: one Backend over several, each event type going to the backend of its route.
 *
 * - `enqueue` goes by event type: the first route whose patterns match it.
 * - `pull` and `take` take from every backend, fairly (fan-in.ts); `ack`, `commit`, `release`,
 *   `nack` and `handBack` go to the backend the event came from.
 * - `commit(event, emitted)` is the source backend's own atomic commit, with every emitted event
 *   in it, whatever its route: the source's queue is the outbox. An emitted event whose route is
 *   another backend is forwarded when a consumer pulls it from there: added to its route's
 *   backend with `enqueueOnce` (which drops a second copy of its id), then acked on the source
 *   (forwarder.ts). A crash between commit and forward leaves it on the source, to be forwarded
 *   by whoever pulls it next; a crash between forward and ack forwards it again, and the target
 *   drops that copy. Nothing is lost or added twice.
 *
 * WARNING: every consumer of a routed backend's queue must route with the same routes: a plain
 * consumer of the source (a Spine on the RedisBackend alone) would handle, or ack as unrouted,
 * the events waiting there to be forwarded.
 *
 * Capabilities are the intersection of what the backends declare (`routes` states each route's
 * own); it is never `synchronous`.
 */
import type {
  Backend,
  BackendCapabilities,
  BackendHealth,
  ReleaseOptions,
} from "../../core/backend.js";
import { BackendClosedError } from "../../core/errors.js";
import { Event } from "../../core/event.js";
import { type Logger, resolveLogger } from "../../core/logging.js";
import { healthOf, type SharedCapability, sharedCapabilities } from "../composite.js";
import { FanIn } from "../fan-in.js";
import { NoRouteError } from "./errors.js";
import { Forwarder, type ForwardMetrics } from "./forwarder.js";
import {
  type ResolvedRoute,
  type ResolvedRoutingOptions,
  type RoutingBackendOptions,
  resolveRoutingOptions,
} from "./options.js";

/** One route as `RoutingBackend.routes` states it. */
export interface RouteInfo {
  readonly types: readonly string[];
  /** The index of its backend in `RoutingBackend.backends`. */
  readonly backend: number;
  /** What its backend declares. */
  readonly capabilities: BackendCapabilities;
}

/** What `RoutingBackend.health()` reports in `details`. */
export interface RoutingHealthDetails {
  /** Each backend's own report, in the order of `RoutingBackend.backends`. */
  readonly backends: readonly BackendHealth[];
  readonly forwards: ForwardMetrics;
}

/** Types whose route is remembered; past it the memory starts over. */
const TYPE_CACHE_SIZE = 1_024;

const CAPABILITIES = [
  "durable",
  "atomicCommit",
  "delayedRelease",
  "deadLetter",
  "redelivery",
  "idempotentEnqueue",
] as const satisfies readonly SharedCapability[];

export class RoutingBackend implements Backend, AsyncDisposable {
  readonly capabilities: BackendCapabilities;
  /** Every backend routed to, once each, in the order of first appearance. */
  readonly backends: readonly Backend[];
  /** Each route's types, backend and what that backend declares. */
  readonly routes: readonly RouteInfo[];
  readonly #routes: readonly ResolvedRoute[];
  readonly #single: boolean;
  readonly #fanIn: FanIn;
  /** How a commit adds what an event none of the backends handed out emitted. */
  readonly #enqueueNext = (event: Event): Promise<void> => this.enqueue(event);
  readonly #forwarder: Forwarder;
  readonly #log: Logger;
  readonly #typeCache = new Map<string, Backend | null>();
  #closed = false;
  #closing: Promise<void> | undefined;

  constructor(options: RoutingBackendOptions) {
    const resolved: ResolvedRoutingOptions = resolveRoutingOptions(options);
    this.#routes = resolved.routes;
    this.backends = Object.freeze(resolved.backends);
    this.#single = this.backends.length === 1;
    this.routes = Object.freeze(
      this.#routes.map((route) => ({
        types: route.types,
        backend: this.backends.indexOf(route.backend),
        capabilities: route.backend.capabilities,
      })),
    );
    this.capabilities = sharedCapabilities(this.backends, CAPABILITIES);
    this.#log = resolveLogger(resolved.logger, "necrostack.routing");
    this.#fanIn = new FanIn(this.backends, "any");
    this.#forwarder = new Forwarder({
      maxInFlight: resolved.maxForwardsInFlight,
      retryDelayMs: resolved.forwardRetryDelayMs,
      log: this.#log,
    });
  }

  /** What forwarding has done. */
  get metrics(): ForwardMetrics {
    return this.#forwarder.metrics;
  }

  /** The backend of the first route matching `eventType`, or undefined when none does. */
  backendFor(eventType: string): Backend | undefined {
    const cached = this.#typeCache.get(eventType);
    if (cached !== undefined) return cached ?? undefined;
    let found: Backend | null = null;
    for (const route of this.#routes) {
      if (route.matches(eventType)) {
        found = route.backend;
        break;
      }
    }
    if (this.#typeCache.size >= TYPE_CACHE_SIZE) this.#typeCache.clear();
    this.#typeCache.set(eventType, found);
    return found ?? undefined;
  }

  /** Adds `event` to its route's backend. Rejects with `NoRouteError` when no route takes it. */
  async enqueue(event: Event): Promise<void> {
    await this.#routeOf(event).enqueue(event);
  }

  /**
   * Adds `event` to its route's backend with that backend's `enqueueOnce`. Declared (in
   * `capabilities.idempotentEnqueue`) only when every backend has it.
   */
  async enqueueOnce(event: Event): Promise<boolean> {
    const backend = this.#routeOf(event);
    if (backend.enqueueOnce === undefined || backend.capabilities.idempotentEnqueue !== true) {
      throw new TypeError(
        `enqueueOnce(): the backend of event type ${JSON.stringify(event.eventType)} has no idempotent enqueue`,
      );
    }
    return backend.enqueueOnce(event);
  }

  /**
   * The next event to handle here, from any backend (fairly), waiting up to `timeoutMs`. An
   * event pulled from a backend other than its route's is forwarded, not handed out. Resolves
   * null on timeout, abort or close; rejects when a backend fails and none had an event.
   */
  async pull(timeoutMs = 1_000, signal?: AbortSignal): Promise<Event | null> {
    if (this.#closed) return null;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.#forwarder.busy) await this.#forwarder.whenFree();
      const left = Math.max(0, Math.ceil(deadline - performance.now()));
      const event = await this.#fanIn.pull(left, signal);
      if (event === null) return null;
      if (this.#single || this.#handleHere(event)) return event;
      if (this.#closed || signal?.aborted === true || left === 0) return null;
    }
  }

  /** An event a backend has at hand, or undefined (then `pull`). */
  take(): Event | undefined {
    if (this.#closed) return undefined;
    if (this.#single) return this.#fanIn.take();
    while (!this.#forwarder.busy) {
      const event = this.#fanIn.take();
      if (event === undefined || this.#handleHere(event)) return event;
    }
    return undefined;
  }

  /** Acks `event` on the backend it came from. One this backend did not hand out is ignored. */
  ack(event: Event): Promise<void> {
    return this.#fanIn.ack(event);
  }

  /**
   * The atomic commit of the backend `event` came from, with every emitted event, whatever its
   * route (those of another route are forwarded once pulled from there). For an event this
   * backend did not hand out, the emitted events are enqueued by their routes.
   */
  commit(event: Event, emitted: readonly Event[]): Promise<void> {
    return this.#fanIn.commit(event, emitted, this.#enqueueNext);
  }

  async release(event: Event, options?: ReleaseOptions): Promise<void> {
    await this.#fanIn.originOf(event)?.release?.(event, options);
  }

  handBack(event: Event): void {
    this.#fanIn.handBack(event);
  }

  async nack(event: Event, reason?: string): Promise<void> {
    await this.#fanIn.originOf(event)?.nack?.(event, reason);
  }

  deliveryAttempt(event: Event): number {
    return this.#fanIn.originOf(event)?.deliveryAttempt?.(event) ?? 1;
  }

  /** Healthy when every backend is; each backend's report, and the forwarding counts. */
  async health(): Promise<BackendHealth & { readonly details: RoutingHealthDetails }> {
    const reports = await Promise.all(this.backends.map(healthOf));
    return {
      healthy: reports.every((report) => report.healthy),
      latencyMs: Math.max(0, ...reports.map((report) => report.latencyMs)),
      details: { backends: reports, forwards: this.#forwarder.metrics },
    };
  }

  /**
   * Ends pulls under way, gives back events pulled and not handed out, waits for forwards under
   * way, then closes every backend routed to. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #routeOf(event: Event): Backend {
    if (!(event instanceof Event)) {
      throw new TypeError(`enqueue() takes an Event, got ${typeof event}`);
    }
    if (this.#closed) throw new BackendClosedError("enqueue");
    const backend = this.backendFor(event.eventType);
    if (backend === undefined) throw new NoRouteError(event);
    return backend;
  }

  /** Whether `event` is for this backend's organs; if not, starts forwarding it. */
  #handleHere(event: Event): boolean {
    const origin = this.#fanIn.originOf(event) as Backend;
    const target = this.backendFor(event.eventType);
    if (target === undefined || target === origin) return true;
    this.#forwarder.start(origin, target, event);
    return false;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    await this.#fanIn.close();
    await this.#forwarder.settled();
    await Promise.all(this.backends.map((backend) => backend.close?.()));
  }
}
