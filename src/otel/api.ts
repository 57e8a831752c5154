/**
 * Loads `@opentelemetry/api`, the optional peer dependency: only this integration imports it,
 * and only when a tracing pair is created, so `necrostack` itself never needs it. The API alone
 * records nothing; spans are recorded only once the application registers an SDK.
 */
import type * as OpenTelemetryApi from "@opentelemetry/api";
import { OpenTelemetryMissingError } from "./errors.js";

/** `@opentelemetry/api`, as the tracing pair uses it. */
export type OtelApi = typeof OpenTelemetryApi;

/** Imports the API module; replaceable so that the missing-package path can be exercised. */
export type OtelApiLoader = () => Promise<unknown>;

const importApi: OtelApiLoader = () => import("@opentelemetry/api");

/** `@opentelemetry/api`, or {@link OpenTelemetryMissingError} when it cannot be loaded. */
export async function loadOtelApi(load: OtelApiLoader = importApi): Promise<OtelApi> {
  let mod: Partial<OtelApi>;
  try {
    mod = (await load()) as Partial<OtelApi>;
  } catch (error) {
    throw new OpenTelemetryMissingError(error);
  }
  if (typeof mod.trace?.getTracer !== "function" || typeof mod.propagation?.inject !== "function") {
    throw new OpenTelemetryMissingError(
      new Error("the module loaded as @opentelemetry/api has no trace.getTracer or propagation"),
    );
  }
  return mod as OtelApi;
}

/**
 * Whether spans can be recorded at all: a tracer provider was given, or one is registered
 * globally (the API's own proxy provider with nothing behind it records nothing).
 */
export function providerRegistered(api: OtelApi): boolean {
  const provider = api.trace.getTracerProvider();
  if (!(provider instanceof api.ProxyTracerProvider)) return true;
  return provider.getDelegateTracer("necrostack") !== undefined;
}
