/** Errors of the tracing integration. Both extend NecroStackError. */
import { messageOf, NecroStackError } from "../core/errors.js";

/** The optional peer dependency `@opentelemetry/api` could not be loaded. */
export class OpenTelemetryMissingError extends NecroStackError {
  constructor(cause: unknown) {
    super(
      `necrostack/otel needs the @opentelemetry/api package (^1.9.0), which could not be loaded: install it with \`npm install @opentelemetry/api\`, and an SDK to export the spans (${messageOf(cause)})`,
      "ERR_OTEL_MISSING",
      { cause },
    );
  }
}
