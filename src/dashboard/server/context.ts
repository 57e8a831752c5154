/**
 * What every route shares: the options, the auth, the sampler, and `call`, which bounds each
 * backend call by the request timeout, so a backend that stops answering gives a 503, not a
 * hung page.
 */
import type { BackendHealth } from "../../core/backend.js";
import type { StreamInspector } from "../../core/inspect/inspector.js";
import { withDeadline } from "../../utils/timing.js";
import type { Auth } from "./auth.js";
import { HttpError, RequestTimeoutError } from "./http-errors.js";
import type { ResolvedDashboardOptions } from "./options.js";
import type { RateSampler } from "./sampler.js";

export class DashboardContext {
  readonly options: ResolvedDashboardOptions;
  readonly inspector: StreamInspector;
  readonly auth: Auth;
  readonly sampler: RateSampler;
  /** Resolves once the dashboard is closed: open live feeds end then. */
  readonly closed: Promise<void>;
  #closed = false;
  #resolveClosed: () => void = () => {};

  constructor(options: ResolvedDashboardOptions, auth: Auth, sampler: RateSampler) {
    this.options = options;
    this.inspector = options.inspector;
    this.auth = auth;
    this.sampler = sampler;
    this.closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Marks the dashboard closed: live feeds end, the sampler stops. */
  close(): void {
    this.#closed = true;
    this.sampler.stop();
    this.#resolveClosed();
  }

  /**
   * The backend's health: its own `health()` when the dashboard was given a backend that has
   * one (it reports more), else the inspector's. Never rejects.
   */
  health(): Promise<BackendHealth> {
    const backend = this.options.backend;
    return backend?.health !== undefined ? backend.health() : this.inspector.health();
  }

  /** `work` bounded by the request timeout. */
  call<T>(work: Promise<T>): Promise<T> {
    const ms = this.options.requestTimeoutMs;
    return withDeadline(work, ms, () => new RequestTimeoutError(ms));
  }

  /** The streams shown: the configured ones, or those the inspector lists. */
  async streams(): Promise<{ streams: readonly string[]; complete: boolean }> {
    const configured = this.options.streams;
    if (configured !== undefined) return { streams: configured, complete: true };
    return this.call(this.inspector.listStreams(100));
  }

  /** `stream` if the dashboard shows it; 404 for a stream outside `streams` when they are given. */
  stream(stream: string): string {
    const configured = this.options.streams;
    if (configured !== undefined && !configured.includes(stream)) {
      throw new HttpError(
        404,
        "not-found",
        `This dashboard does not show stream ${JSON.stringify(stream)}`,
      );
    }
    return stream;
  }
}
