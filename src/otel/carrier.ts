/**
 * How a propagator reads and writes an event's trace context. The event itself is the carrier
 * it reads from, so its headers are looked at only when a propagator asks for one: with no
 * propagator registered, a handled event's lazily made lineage headers are never built.
 */
import type { TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import type { Event } from "../core/event.js";

/** Reads header values from an event. */
export const EVENT_GETTER: TextMapGetter<Event> = {
  get: (event, key) => event.headers[key.toLowerCase()],
  keys: (event) => Object.keys(event.headers),
};

/** Writes header values into a plain object, lower-cased as header names must be. */
export const HEADERS_SETTER: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key.toLowerCase()] = value;
  },
};
