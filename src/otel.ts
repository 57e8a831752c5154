/**
 * `necrostack/otel`: OpenTelemetry tracing for the Spine, by the messaging semantic conventions.
 * Needs the optional peer dependency `@opentelemetry/api` (^1.9.0), loaded only here, and an SDK
 * the application registers to record anything; the core entry `necrostack` never loads either.
 * See docs/tracing.md.
 */

/** Its error; extends NecroStackError. */
export { OpenTelemetryMissingError } from "./otel/errors.js";
export type { TracingOptions } from "./otel/options.js";
/** The span attribute names and values it writes, for queries and tests. */
export { ATTR, MESSAGING_SYSTEM, OPERATION } from "./otel/semconv.js";
/** The pair (middleware and observer) and the producer side for start events. */
export { createTracing, type Tracing } from "./otel/tracing.js";
