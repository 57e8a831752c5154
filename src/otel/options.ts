/**
 * The tracing pair's options: what the spans say about where events travel, and which
 * OpenTelemetry provider and propagator to use. Defaults and checks in one place.
 */
import type { TextMapPropagator, TracerProvider } from "@opentelemetry/api";
import { InMemoryBackend } from "../backends/in-memory.js";
import type { Backend } from "../core/backend.js";
import { InvalidOptionError } from "../core/errors.js";
import { MESSAGING_SYSTEM } from "./semconv.js";

export interface TracingOptions {
  /**
   * The backend the Spine runs on. `messaging.system`, the destination, the consumer group and
   * the client id are read from it when not given: a RedisBackend is `"redis"` on its
   * `streamKey`, read by its `consumerGroup` as its `consumerName`; an InMemoryBackend is
   * `"in_memory"`.
   * @defaultValue none: the other options' defaults apply
   */
  backend?: Backend;
  /**
   * `messaging.system` on every span.
   * @defaultValue `"redis"` or `"in_memory"` from `backend`, else `"necrostack"`
   */
  system?: string;
  /**
   * `messaging.destination.name`: the stream events are written to and read from. Send spans are
   * named `send {destination}`.
   * @defaultValue the RedisBackend's `streamKey`, else `"necrostack"`
   */
  destination?: string;
  /**
   * `messaging.consumer.group.name` on process spans; not set when there is none.
   * @defaultValue the RedisBackend's `consumerGroup`, else none
   */
  consumerGroup?: string;
  /**
   * `messaging.client.id` on process spans: which consumer of the group handled the event.
   * @defaultValue the RedisBackend's `consumerName`, else none
   */
  clientId?: string;
  /**
   * Where the tracer comes from.
   * @defaultValue the global provider (`trace.getTracerProvider()`), the one an SDK registers
   */
  tracerProvider?: TracerProvider;
  /**
   * How the trace context is written to and read from the `traceparent` and `tracestate`
   * headers.
   * @defaultValue the global propagator (`propagation`), which an SDK sets to W3C Trace Context
   */
  propagator?: TextMapPropagator;
}

export interface ResolvedTracingOptions {
  readonly system: string;
  readonly destination: string;
  readonly consumerGroup: string | undefined;
  readonly clientId: string | undefined;
  readonly tracerProvider: TracerProvider | undefined;
  readonly propagator: TextMapPropagator | undefined;
}

const FALLBACK = "necrostack";

/** Applies the defaults and checks every option; throws `InvalidOptionError` naming it. */
export function resolveTracingOptions(options: TracingOptions = {}): ResolvedTracingOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidOptionError("options", "an object", options);
  }
  const { backend } = options;
  if (backend !== undefined && (typeof backend !== "object" || backend === null)) {
    throw new InvalidOptionError("backend", "a Backend", backend);
  }
  const stream = backend === undefined ? undefined : redisNames(backend);
  const system =
    text("system", options.system) ??
    (stream !== undefined
      ? MESSAGING_SYSTEM.REDIS
      : backend instanceof InMemoryBackend
        ? MESSAGING_SYSTEM.IN_MEMORY
        : FALLBACK);
  return {
    system,
    destination: text("destination", options.destination) ?? stream?.streamKey ?? FALLBACK,
    consumerGroup: text("consumerGroup", options.consumerGroup) ?? stream?.consumerGroup,
    clientId: text("clientId", options.clientId) ?? stream?.consumerName,
    tracerProvider: has("tracerProvider", options.tracerProvider, "getTracer"),
    propagator: has("propagator", options.propagator, "inject"),
  };
}

/** A RedisBackend's stream, group and consumer (read by shape: this module must not load ioredis). */
function redisNames(
  backend: Backend,
): { streamKey: string; consumerGroup: string; consumerName: string | undefined } | undefined {
  const { streamKey, consumerGroup, consumerName } = backend as unknown as Partial<
    Record<string, unknown>
  >;
  if (typeof streamKey !== "string" || typeof consumerGroup !== "string") return undefined;
  return {
    streamKey,
    consumerGroup,
    consumerName: typeof consumerName === "string" ? consumerName : undefined,
  };
}

function text(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidOptionError(name, "a non-empty string", value);
  }
  return value;
}

function has<T>(name: string, value: T | undefined, method: string): T | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== "object" ||
    value === null ||
    typeof (value as Record<string, unknown>)[method] !== "function"
  ) {
    throw new InvalidOptionError(name, `an object with a ${method}() method`, value);
  }
  return value;
}
