/** The options of `FailoverBackend`, their defaults and their checks. */
import type { Backend } from "../../core/backend.js";
import {
  type DedupeOptions,
  type ResolvedDedupeOptions,
  resolveDedupeOptions,
} from "../../core/dedupe-store.js";
import { InvalidOptionError } from "../../core/errors.js";
import type { Logger } from "../../core/logging.js";

export interface FailoverBackendOptions {
  /** Where enqueues go while it answers. */
  primary: Backend;
  /** Where enqueues go after `failAfter` primary failures in a row, until a probe succeeds. */
  secondary: Backend;
  /**
   * Primary enqueue failures in a row after which enqueues go straight to the secondary. Each
   * failed primary enqueue is sent to the secondary at once, so none is lost either way.
   * @defaultValue 3
   */
  failAfter?: number;
  /**
   * While enqueues go to the secondary, how often the primary's `health()` is asked, in the
   * background of an enqueue; once it answers healthy, every enqueue goes back to the primary.
   * @defaultValue 5_000
   */
  probeIntervalMs?: number;
  /**
   * The window of event ids by which a copy found on both backends (an enqueue the primary
   * stored but did not confirm, then sent to the secondary) is dropped: per backend, the ids it
   * handed out, bounded in count and age.
   * @defaultValue `{ maxIds: 100_000, ttlMs: 600_000 }`
   */
  dedupe?: DedupeOptions;
  /** A pino logger to log through (as its child `necrostack.failover`), or `false` for none. */
  logger?: Logger | false;
}

export interface ResolvedFailoverOptions {
  readonly primary: Backend;
  readonly secondary: Backend;
  readonly failAfter: number;
  readonly probeIntervalMs: number;
  readonly dedupe: ResolvedDedupeOptions;
  readonly logger: Logger | false | undefined;
}

export function resolveFailoverOptions(options: FailoverBackendOptions): ResolvedFailoverOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "an object with `primary` and `secondary`", options);
  }
  const { primary, secondary } = options;
  for (const [name, backend] of [
    ["primary", primary],
    ["secondary", secondary],
  ] as const) {
    if (!isBackend(backend)) {
      throw new InvalidOptionError(
        name,
        "a Backend (with capabilities, enqueue, pull and ack)",
        backend,
      );
    }
  }
  if (primary === secondary) {
    throw new InvalidOptionError("secondary", "a backend other than `primary`", "the same backend");
  }
  const failAfter = options.failAfter ?? 3;
  if (!Number.isSafeInteger(failAfter) || failAfter < 1) {
    throw new InvalidOptionError("failAfter", "an integer >= 1", failAfter);
  }
  const probeIntervalMs = options.probeIntervalMs ?? 5_000;
  if (!Number.isSafeInteger(probeIntervalMs) || probeIntervalMs < 1) {
    throw new InvalidOptionError("probeIntervalMs", "an integer >= 1", probeIntervalMs);
  }
  const dedupe = resolveDedupeOptions(options.dedupe ?? true);
  return {
    primary,
    secondary,
    failAfter,
    probeIntervalMs,
    dedupe: dedupe as ResolvedDedupeOptions,
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
