/** The options of `createMetrics()`: their meaning and defaults, and the one place they are checked. */
import type { Registry } from "prom-client";
import type { Backend } from "../core/backend.js";
import { InvalidOptionError } from "../core/errors.js";

export interface MetricsOptions {
  /**
   * The registry the metrics are registered in. Pass prom-client's global `register` to expose
   * them beside your own; two `createMetrics()` on one registry collide on the metric names.
   * @defaultValue a new `Registry` of its own, as `metrics.registry`
   */
  registry?: Registry;
  /**
   * The backend the Spine runs on. Its `health()` is read at scrape time for the gauges (stream
   * length, consumer-group lag and pending, dead-letter length), its `deliveryAttempt()` counts
   * redeliveries, and its `streamKey` (a RedisBackend's) is the `destination` label.
   * @defaultValue none: no backend gauges, no redeliveries counted
   */
  backend?: Backend;
  /**
   * The organs, as given to the Spine: their names and event types are the label values from
   * the start (every series is exported at 0 before the first event). Without them the routes
   * are learned as events are handled, and an event type published before it was first
   * handled counts as "other".
   * @defaultValue none: learned
   */
  organs?: readonly object[];
  /**
   * The `destination` label: the stream or queue the Spine reads.
   * @defaultValue a RedisBackend's `streamKey`, a PostgresBackend's `<schema>.<stream>`, else
   * "default"
   */
  destination?: string;
  /**
   * The backend's delivery limit (a RedisBackend's `maxRetries`): an event released on its
   * last delivery is dead-lettered by the backend, not delivered again, and is counted so
   * (`outcome="dead_letter"`, `reason_kind="retries_exhausted"`). The Spine sees only the
   * release.
   * @defaultValue the backend's `maxRetries` when it has one (a RedisBackend does), else
   * Infinity: every release counts as a retry
   */
  maxDeliveries?: number;
}

export interface ResolvedMetricsOptions {
  readonly registry: Registry | undefined;
  readonly backend: Backend | undefined;
  readonly organs: readonly object[];
  readonly destination: string;
  readonly maxDeliveries: number;
}

export function resolveMetricsOptions(options: MetricsOptions = {}): ResolvedMetricsOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "an object", options);
  }
  const { backend, organs = [] } = options;
  const maxDeliveries = options.maxDeliveries ?? backendMaxRetries(backend);
  if (backend !== undefined && (typeof backend !== "object" || backend === null)) {
    throw new InvalidOptionError("backend", "a Backend", backend);
  }
  if (!Array.isArray(organs)) throw new InvalidOptionError("organs", "an array of organs", organs);
  if (
    typeof maxDeliveries !== "number" ||
    !(maxDeliveries === Number.POSITIVE_INFINITY || Number.isSafeInteger(maxDeliveries)) ||
    maxDeliveries < 1
  ) {
    throw new InvalidOptionError("maxDeliveries", "an integer >= 1 or Infinity", maxDeliveries);
  }
  const destination = options.destination ?? destinationOf(backend);
  if (typeof destination !== "string" || destination === "") {
    throw new InvalidOptionError("destination", "a non-empty string", destination);
  }
  return {
    registry: options.registry,
    backend,
    organs,
    destination,
    maxDeliveries,
  };
}

/** A backend's delivery limit, if it states one as `maxRetries` (RedisBackend does). */
function backendMaxRetries(backend: unknown): number {
  const limit = (backend as { maxRetries?: unknown } | undefined)?.maxRetries;
  return typeof limit === "number" && Number.isSafeInteger(limit) && limit >= 1
    ? limit
    : Number.POSITIVE_INFINITY;
}

/** The stream a backend reads, by the names the Redis and PostgreSQL backends give it. */
function destinationOf(backend: unknown): string {
  const named = backend as { streamKey?: unknown; schema?: unknown; stream?: unknown } | undefined;
  if (typeof named?.streamKey === "string") return named.streamKey;
  if (typeof named?.schema === "string" && typeof named.stream === "string") {
    return `${named.schema}.${named.stream}`;
  }
  return "default";
}
