/**
 * The catalog's types: what `defineEvents` takes, and the events, payloads and handler results it
 * types from the schemas' output types. Type-level only.
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { Event } from "../event.js";
import type { JsonObject } from "../json.js";

/**
 * Turns a payload of version `v` into version `v + 1`. Gets the payload as the event carried it
 * (not yet validated) and returns the next version's. Must be synchronous and must not change
 * what it is given (payloads are frozen).
 */
export type Upcaster = (payload: JsonObject) => JsonObject;

/** A type with a version above 1: its current schema and how to read each older version. */
export interface VersionedEventDefinition<S extends StandardSchemaV1 = StandardSchemaV1> {
  /** The schema of the current version. */
  readonly schema: S;
  /**
   * The current version: emitted events carry it in their `schema-version` header.
   * @defaultValue 1
   */
  readonly version?: number;
  /**
   * One upcaster per older version, keyed by the version it reads: `{ 1: (v1) => v2, 2: (v2) => v3 }`.
   * Every version from 1 to `version - 1` needs one.
   * @defaultValue none (only with version 1)
   */
  readonly upcast?: Readonly<Record<number, Upcaster>>;
}

/** One entry of `defineEvents`: a Standard Schema, or a versioned definition. */
export type EventDefinition = StandardSchemaV1 | VersionedEventDefinition;

/** What `defineEvents` takes: event types to their definitions. */
export type EventDefinitions = { readonly [type: string]: EventDefinition };

/** The schema of a definition. */
export type SchemaOf<D> = D extends StandardSchemaV1
  ? D
  : D extends VersionedEventDefinition<infer S>
    ? S
    : never;

/**
 * A payload type an Event can carry: the schema's output type when it is JSON already, else the
 * output type read through a JSON object (optional properties, for example, that a project
 * without `exactOptionalPropertyTypes` types as `T | undefined`).
 */
export type JsonPayload<O> = O extends JsonObject ? O : JsonObject & O;

/** The payload type of type `K`: its schema's output type. */
export type PayloadOf<D extends EventDefinitions, K extends keyof D> = JsonPayload<
  StandardSchemaV1.InferOutput<SchemaOf<D[K]>>
>;

/** The event types a catalog defines. */
export type TypeOf<D extends EventDefinitions> = keyof D & string;

/** The events of types `K` (every type by default), each with its payload type. */
export type CatalogEvent<
  D extends EventDefinitions,
  K extends TypeOf<D> = TypeOf<D>,
> = K extends unknown ? Event<K, PayloadOf<D, K>> : never;

/** What a handler typed by the catalog may return: catalog events only. */
export type CatalogResult<D extends EventDefinitions> =
  | CatalogEvent<D>
  | readonly CatalogEvent<D>[]
  | null
  | undefined
  // biome-ignore lint/suspicious/noConfusingVoidType: lets a handler with no return statement type-check.
  | void;
