/** `createMetrics()`: the metrics observer, registered in a prom-client registry. */
import type { Registry } from "prom-client";
import type { SpineObserver } from "../core/observer.js";
import type { BackendLevels } from "./backend-gauges.js";
import { HealthReader } from "./backend-gauges.js";
import { MetricsObserver } from "./metrics-observer.js";
import { type MetricsOptions, resolveMetricsOptions } from "./options.js";
import { loadPromClient } from "./prom-client.js";
import { registerMetrics } from "./register.js";

/**
 * A Spine observer that counts what the Spine does, and the prom-client registry that exposes
 * it. Give it to the Spine (`new Spine({ observers: [metrics] })`) and serve `metrics.metrics()`
 * (or the registry) on `/metrics`. Use one per Spine.
 */
export interface PrometheusMetrics extends SpineObserver {
  /** The registry the metrics are in: the one given, or one of their own. */
  readonly registry: Registry;
  /** The Content-Type of `metrics()`'s text. */
  readonly contentType: string;
  /** The registry's metrics in the Prometheus text format (the backend's health is read now). */
  metrics(): Promise<string>;
  /** The backend's levels, as the gauges read them; undefined without a backend with `health()`. */
  backendLevels(): Promise<BackendLevels | undefined>;
}

/** The observer's counters with the registry; only its {@link PrometheusMetrics} side is public. */
class RegisteredMetrics extends MetricsObserver implements PrometheusMetrics {
  /** The registry the metrics are in: the one given, or one of their own. */
  readonly registry: Registry;
  /** The Content-Type of `metrics()`'s text. */
  readonly contentType: string;
  readonly #health: HealthReader;

  constructor(options: MetricsOptions = {}) {
    const resolved = resolveMetricsOptions(options);
    const prom = loadPromClient();
    super(resolved);
    this.registry = resolved.registry ?? new prom.Registry();
    this.contentType = this.registry.contentType;
    this.#health = new HealthReader(resolved.backend);
    registerMetrics(prom, this.registry, this, resolved.destination, this.#health);
  }

  /** The registry's metrics in the Prometheus text format (the backend's health is read now). */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The backend's levels, as the gauges read them; undefined without a backend with `health()`. */
  backendLevels(): Promise<BackendLevels | undefined> {
    return this.#health.read();
  }
}

/**
 * The metrics observer: `new Spine({ observers: [createMetrics({ backend, organs })] })`.
 * Throws `PromClientMissingError` when prom-client is not installed.
 */
export function createMetrics(options: MetricsOptions = {}): PrometheusMetrics {
  return new RegisteredMetrics(options);
}
