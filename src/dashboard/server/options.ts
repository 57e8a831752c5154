/** createDashboard's options: their meaning and defaults, and the one place they are checked. */

import type { BackendHealth } from "../../core/backend.js";
import { InvalidOptionError } from "../../core/errors.js";
import type { StreamInspector } from "../../core/inspect/inspector.js";

/** A backend that can hand out an inspector of its own store (see `RedisBackend.inspector()`). */
export interface InspectableBackend {
  inspector(): StreamInspector;
  /** Shown as the backend's health when present (see `Backend.health`). */
  health?(): Promise<BackendHealth>;
}

/** Options for {@link createDashboard}. Give `inspector`, or a `backend` that has one. */
export interface DashboardOptions {
  /** What the dashboard reads and repairs: `new RedisInspector(...)`, `new PostgresInspector(...)`. */
  inspector?: StreamInspector;
  /** A backend with an `inspector()`; its inspector is closed by `close()`. */
  backend?: InspectableBackend;
  /**
   * Only these streams are shown (and reachable through the API).
   * @defaultValue every stream the inspector lists (at most 100)
   */
  streams?: readonly string[];
  /**
   * Every request must carry it: the login form's cookie, or `Authorization: Bearer <token>`.
   * After 10 wrong tokens within a minute from one address, that address's token attempts get
   * 429 for the rest of the minute (a session cookie still works). Through `fetch`, which sees
   * no addresses, all clients count as one; the Node `listener` counts by the socket's peer.
   * @defaultValue none (anyone who can reach the port can read)
   */
  token?: string;
  /**
   * Allow requeue and delete of dead letters (each also needs the session's CSRF token).
   * @defaultValue false (read-only)
   */
  allowWrites?: boolean;
  /** Links to a worker's observability endpoints, shown as links (never fetched by the server). */
  endpoints?: { readonly metrics?: string; readonly health?: string };
  /**
   * Host names (the `Host` header without port) the dashboard answers; others get 403, which
   * stops DNS rebinding from reaching a dashboard on 127.0.0.1. `["*"]` answers any.
   * @defaultValue any (the CLI sets the loopback names when it binds to loopback)
   */
  allowedHosts?: readonly string[];
  /** A consumer idle longer than this with pending entries is flagged. @defaultValue 60_000 */
  staleMs?: number;
  /** How long one request may wait on the backend before it answers 503. @defaultValue 30_000 */
  requestTimeoutMs?: number;
  /** How often live rates are sampled. @defaultValue 1_000 */
  sampleIntervalMs?: number;
  /**
   * The directory of the built front end (`index.html`, `app.js`, `app.css`).
   * @defaultValue `dist/dashboard/assets` of this package
   */
  assetsDir?: string;
}

/** Options with every default applied and every value checked. */
export interface ResolvedDashboardOptions {
  readonly inspector: StreamInspector;
  /** The backend given, if any (its `health()` is shown). */
  readonly backend: InspectableBackend | undefined;
  readonly ownsInspector: boolean;
  readonly streams: readonly string[] | undefined;
  readonly token: string | undefined;
  readonly allowWrites: boolean;
  readonly endpoints: { readonly metrics?: string; readonly health?: string };
  readonly allowedHosts: readonly string[] | undefined;
  readonly staleMs: number;
  readonly requestTimeoutMs: number;
  readonly sampleIntervalMs: number;
  readonly assetsDir: string | undefined;
}

export function resolveDashboardOptions(options: DashboardOptions): ResolvedDashboardOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "an object", options);
  }
  const { backend } = options;
  let inspector = options.inspector;
  if (inspector === undefined && backend !== undefined) {
    if (
      typeof backend !== "object" ||
      backend === null ||
      typeof backend.inspector !== "function"
    ) {
      throw new InvalidOptionError(
        "backend",
        "a backend with an inspector() method (or pass `inspector`, such as new RedisInspector({ redisUrl }))",
        backend,
      );
    }
    inspector = backend.inspector();
  }
  if (
    inspector === undefined ||
    typeof inspector !== "object" ||
    typeof inspector.scan !== "function"
  ) {
    throw new InvalidOptionError("inspector", "a StreamInspector (or give `backend`)", inspector);
  }
  const { streams, token, endpoints, allowedHosts } = options;
  if (
    streams !== undefined &&
    (!Array.isArray(streams) || streams.some((s) => typeof s !== "string" || s === ""))
  ) {
    throw new InvalidOptionError("streams", "an array of non-empty stream names", streams);
  }
  if (token !== undefined && (typeof token !== "string" || token.length < 8)) {
    throw new InvalidOptionError(
      "token",
      "a string of at least 8 characters",
      token === undefined ? token : "<not shown>",
    );
  }
  for (const name of ["metrics", "health"] as const) {
    const url = endpoints?.[name];
    if (url !== undefined && (typeof url !== "string" || !/^https?:\/\//i.test(url))) {
      throw new InvalidOptionError(`endpoints.${name}`, "an http:// or https:// URL", url);
    }
  }
  if (
    allowedHosts !== undefined &&
    (!Array.isArray(allowedHosts) || allowedHosts.some((h) => typeof h !== "string"))
  ) {
    throw new InvalidOptionError("allowedHosts", "an array of host names", allowedHosts);
  }
  return {
    inspector,
    backend: options.inspector === undefined ? backend : undefined,
    ownsInspector: options.inspector === undefined,
    streams: streams === undefined ? undefined : [...new Set(streams)],
    token,
    allowWrites: options.allowWrites === true,
    endpoints: { ...(endpoints ?? {}) },
    allowedHosts: allowedHosts?.includes("*")
      ? undefined
      : allowedHosts?.map((h) => h.toLowerCase()),
    staleMs: ms("staleMs", options.staleMs, 60_000),
    requestTimeoutMs: ms("requestTimeoutMs", options.requestTimeoutMs, 30_000),
    sampleIntervalMs: ms("sampleIntervalMs", options.sampleIntervalMs, 1_000),
    assetsDir: options.assetsDir,
  };
}

function ms(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > 2_147_483_647) {
    throw new InvalidOptionError(option, "an integer of ms from 1 to 2147483647", value);
  }
  return value;
}
