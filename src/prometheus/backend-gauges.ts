/**
 * The gauges read from the backend's `health()` when scraped: what the backend holds is the
 * backend's to say, and reading it per scrape costs nothing per event. One health call per
 * scrape serves every gauge.
 */
import type { Backend, BackendHealth } from "../core/backend.js";

/** The numbers the gauges show, from a health report; null where the backend reports none. */
export interface BackendLevels {
  readonly healthy: boolean;
  readonly consumerGroup: string | null;
  readonly streamLength: number | null;
  readonly pending: number | null;
  readonly lag: number | null;
  readonly deadLetterLength: number | null;
}

/** Reads the levels from a health report: a RedisBackend's, or the in-memory backend's `size`. */
export function levelsOf(health: BackendHealth): BackendLevels {
  const d = health.details;
  const num = (value: unknown): number | null =>
    typeof value === "number" && Number.isFinite(value) ? value : null;
  return {
    healthy: health.healthy,
    consumerGroup: typeof d.consumerGroup === "string" ? d.consumerGroup : null,
    streamLength: num(d.streamLength) ?? num(d.size),
    pending: num(d.pending),
    lag: num(d.lag),
    deadLetterLength: num(d.dlqLength),
  };
}

/** Shares one `health()` call among the gauges of one scrape. */
export class HealthReader {
  readonly #backend: Backend | undefined;
  #reading: Promise<BackendLevels | undefined> | undefined;

  constructor(backend: Backend | undefined) {
    this.#backend = backend;
  }

  read(): Promise<BackendLevels | undefined> {
    if (this.#reading !== undefined) return this.#reading;
    const backend = this.#backend;
    if (backend?.health === undefined) return Promise.resolve(undefined);
    const reading = backend
      .health()
      .then(levelsOf, () => undefined)
      .finally(() => {
        // The gauges of one scrape ask within one turn; the next scrape asks again.
        setImmediate(() => {
          if (this.#reading === reading) this.#reading = undefined;
        });
      });
    this.#reading = reading;
    return reading;
  }
}
