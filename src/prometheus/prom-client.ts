/**
 * prom-client, loaded here and only here: it is an optional peer dependency, so importing the
 * core (or the CLI without `--http`) never needs it. It is a CommonJS package, so `require` loads
 * it synchronously and `createMetrics()` can stay synchronous.
 */
import { createRequire } from "node:module";
import { PromClientMissingError } from "./errors.js";

export type PromClient = typeof import("prom-client");

let loaded: PromClient | undefined;

/** The prom-client module; throws `PromClientMissingError` when it is not installed. */
export function loadPromClient(): PromClient {
  if (loaded !== undefined) return loaded;
  try {
    const mod = createRequire(import.meta.url)("prom-client") as PromClient;
    if (typeof mod.Registry !== "function" || typeof mod.Counter !== "function") {
      throw new Error("prom-client exports no Registry or Counter class");
    }
    loaded = mod;
    return mod;
  } catch (error) {
    throw new PromClientMissingError(error);
  }
}
