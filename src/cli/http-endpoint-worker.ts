/**
 * What `necrostack worker --http` serves: the metrics of its Spine (necrostack/prometheus,
 * loaded only with --http, so prom-client is needed only then) and its readiness, from the
 * RedisBackend's health.
 */
import type { Backend, BackendHealth } from "../core/backend.js";
import type { Logger } from "../core/logging.js";
import type { SpineObserver } from "../core/observer.js";
import { HttpEndpoint, type Readiness } from "./http-endpoint.js";
import type { HttpEndpointConfig } from "./http-endpoint-flags.js";

export interface WorkerEndpointParts {
  readonly backend: Backend;
  readonly organs: readonly object[];
  readonly log: Logger;
}

/** The worker's metrics observer and, once `listen()`ed, its endpoint. */
export class WorkerHttp {
  /** Give these to the Spine. */
  readonly observers: readonly SpineObserver[];
  readonly #config: HttpEndpointConfig;
  readonly #parts: WorkerEndpointParts;
  readonly #metrics: { metrics(): Promise<string>; readonly contentType: string };
  #endpoint: HttpEndpoint | undefined;
  #stopping = false;

  private constructor(
    config: HttpEndpointConfig,
    parts: WorkerEndpointParts,
    metrics: SpineObserver & { metrics(): Promise<string>; readonly contentType: string },
  ) {
    this.#config = config;
    this.#parts = parts;
    this.#metrics = metrics;
    this.observers = [metrics];
  }

  /** Builds the metrics observer; throws `PromClientMissingError` without prom-client. */
  static async create(config: HttpEndpointConfig, parts: WorkerEndpointParts): Promise<WorkerHttp> {
    const { createMetrics } = await import("../prometheus.js");
    // The backend's maxRetries is the metrics' maxDeliveries.
    const metrics = createMetrics({ backend: parts.backend, organs: parts.organs });
    return new WorkerHttp(config, parts, metrics);
  }

  /** Starts serving; resolves the URL it serves on. */
  async listen(): Promise<string> {
    const { log } = this.#parts;
    if (this.#config.token === undefined && !isLoopback(this.#config.host)) {
      log.warn(
        { host: this.#config.host },
        `The HTTP endpoint listens on ${this.#config.host} with no --http-token: anyone who can reach it reads the metrics`,
      );
    }
    this.#endpoint = await HttpEndpoint.listen(
      this.#config,
      {
        metrics: async () => ({
          contentType: this.#metrics.contentType,
          body: await this.#metrics.metrics(),
        }),
        readiness: () => this.#readiness(),
      },
      log,
    );
    return this.#endpoint.url;
  }

  /** From now on /readyz answers 503: the worker is stopping and takes no more work. */
  stopping(): void {
    this.#stopping = true;
  }

  async close(): Promise<void> {
    await this.#endpoint?.close();
  }

  async #readiness(): Promise<Readiness> {
    if (this.#stopping) return { ready: false, reason: "the worker is stopping" };
    const { backend } = this.#parts;
    const health: BackendHealth | undefined = await backend.health?.();
    if (health === undefined) return { ready: true };
    return readinessOf(health);
  }
}

/**
 * Ready when the backend answers and its consumer group exists (a RedisBackend's health says
 * whether it does in `groupExists`).
 */
export function readinessOf(health: BackendHealth): Readiness {
  const d = health.details;
  if (!health.healthy) {
    const why = typeof d.error === "string" ? d.error : "its health check failed";
    return { ready: false, reason: `the backend is unreachable: ${why}` };
  }
  if (d.groupExists === false) {
    const group = typeof d.consumerGroup === "string" ? d.consumerGroup : "of this worker";
    return {
      ready: false,
      reason: `consumer group ${group} does not exist yet (the worker creates it on its first read)`,
    };
  }
  return { ready: true };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}
