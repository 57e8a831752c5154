/**
 * The event catalog: `defineEvents({ TYPE: schema, ... })` names every event type with the
 * Standard Schema its payload must pass, and the version it is at. The catalog types events and
 * organs from the schemas' output types, and the Spine (`new Spine({ catalog })`) checks events
 * against it on both sides of the backend. No validator is a dependency: any Standard Schema v1
 * validator works (zod 4, valibot, arktype, ...).
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { InvalidOptionError } from "../errors.js";
import { Event, type EventInit } from "../event.js";
import { type FunctionOrgan, type OrganOptions, organ } from "../function-organ.js";
import type { HandlerContext } from "../handler.js";
import { HEADER } from "../headers.js";
import type { JsonObject } from "../json.js";
import { CatalogDefinitionError } from "./errors.js";
import { isStandardSchema } from "./standard-schema.js";
import { CatalogOrgan, type CatalogOrganClass } from "./typed-organ.js";
import type {
  CatalogEvent,
  CatalogResult,
  EventDefinitions,
  PayloadOf,
  TypeOf,
  Upcaster,
} from "./types.js";

/** One event type of a catalog, as the Spine and the schema registry read it. */
export interface CatalogEntry {
  /** The event type, such as `"ORDER_PLACED"`. */
  readonly type: string;
  /** Its current version (1 when the definition gave none). */
  readonly version: number;
  /** The schema of the current version. */
  readonly schema: StandardSchemaV1;
  /** The upcaster from each older version to the next, keyed by the version it reads (1 .. version - 1). */
  readonly upcast: Readonly<Record<number, Upcaster>>;
}

/** Event fields `catalog.event` takes besides the type and payload. */
export type CatalogEventInit = Omit<EventInit, "eventType" | "payload">;

/** The handler of a function organ typed by a catalog. */
export type CatalogHandler<D extends EventDefinitions, K extends TypeOf<D>> = (
  event: CatalogEvent<D, K>,
  ctx: HandlerContext,
) => CatalogResult<D> | Promise<CatalogResult<D>>;

/**
 * The events of a catalog by type: `type Shop = EventsOf<typeof catalog>`, then
 * `Shop["ORDER_PLACED"]` is that type's event, typed by its schema. What an organ class
 * annotates its `handle` with (TypeScript does not type a method's parameters from the class it
 * extends).
 */
export type EventsOf<C extends Catalog> =
  C extends Catalog<infer D> ? { readonly [K in TypeOf<D>]: CatalogEvent<D, K> } : never;

/** Marks catalogs, so one made by another copy of necrostack is still recognised. */
const BRAND = Symbol.for("necrostack.catalog");

/**
 * The event types of an application with their schemas and versions. Build it with
 * {@link defineEvents}.
 */
export class Catalog<D extends EventDefinitions = EventDefinitions> {
  readonly #entries: ReadonlyMap<string, CatalogEntry>;
  readonly #list: readonly CatalogEntry[];

  /** @internal Use {@link defineEvents}. */
  constructor(entries: readonly CatalogEntry[]) {
    this.#list = Object.freeze([...entries].sort((a, b) => (a.type < b.type ? -1 : 1)));
    this.#entries = new Map(this.#list.map((e) => [e.type, e]));
    Object.defineProperty(this, BRAND, { value: true });
    Object.freeze(this);
  }

  /** Every type, sorted by name, with its version, schema and upcasters. */
  types(): readonly CatalogEntry[] {
    return this.#list;
  }

  /** The entry of `type`, or undefined when the catalog does not define it. */
  entry(type: string): CatalogEntry | undefined {
    return this.#entries.get(type);
  }

  /** Whether the catalog defines `type`. */
  has(type: string): type is TypeOf<D> {
    return this.#entries.has(type);
  }

  /**
   * An event of a catalog type, its payload typed by the type's schema (the output type). A type
   * above version 1 gets its `schema-version` header. Not validated here: the Spine validates
   * what organs return (see `validate` in the Spine's options).
   */
  event<K extends TypeOf<D>>(
    type: K,
    payload: PayloadOf<D, K>,
    init: CatalogEventInit = {},
  ): CatalogEvent<D, K> {
    const entry = this.#entries.get(type);
    if (entry === undefined) {
      throw new InvalidOptionError("type", `one of the catalog's types (${this.#names()})`, type);
    }
    const headers =
      entry.version === 1
        ? init.headers
        : { ...init.headers, [HEADER.SCHEMA_VERSION]: String(entry.version) };
    return new Event({
      ...init,
      eventType: type,
      payload: payload as JsonObject,
      ...(headers === undefined ? {} : { headers }),
    }) as unknown as CatalogEvent<D, K>;
  }

  /**
   * A base class for an organ that listens to `types`, typed by the catalog. `listensTo` is
   * set; `handle` must take those types' events and return catalog events only:
   *
   * ```ts
   * type Shop = EventsOf<typeof catalog>;
   * class TakePayment extends catalog.Organ("ORDER_PLACED") {
   *   handle(event: Shop["ORDER_PLACED"]) {
   *     return catalog.event("ORDER_PAID", { orderId: event.payload.orderId, ... });
   *   }
   * }
   * ```
   */
  Organ<K extends TypeOf<D>>(...types: [K, ...K[]]): CatalogOrganClass<D, K> {
    this.#check(types, "Organ");
    const listensTo = Object.freeze([...types]);
    abstract class Bound extends CatalogOrgan<D, K> {
      constructor(name?: string) {
        super(listensTo, name);
      }
    }
    return Bound;
  }

  /**
   * A function organ typed by the catalog: its handler's `event` is typed with no annotation,
   * and may return catalog events only.
   * `catalog.organ("TakePayment", ["ORDER_PLACED"], (event) => catalog.event("ORDER_PAID", {...}))`
   */
  organ<K extends TypeOf<D>>(
    name: string,
    listensTo: readonly [K, ...K[]],
    handler: CatalogHandler<D, K>,
    options?: OrganOptions,
  ): FunctionOrgan<CatalogEvent<D, K>> {
    this.#check(listensTo, `organ("${name}")`);
    return organ<CatalogEvent<D, K>>(
      name,
      listensTo as unknown as readonly CatalogEvent<D, K>["eventType"][],
      handler,
      options,
    );
  }

  #check(types: readonly string[], where: string): void {
    for (const type of types) {
      if (!this.#entries.has(type)) {
        throw new InvalidOptionError(
          `${where}: listensTo`,
          `the catalog's types (${this.#names()})`,
          type,
        );
      }
    }
  }

  #names(): string {
    return this.#list.map((e) => e.type).join(", ");
  }
}

/** Whether `value` is a catalog (also one made by another copy of necrostack). */
export function isCatalog(value: unknown): value is Catalog {
  return typeof value === "object" && value !== null && BRAND in value;
}

/**
 * Defines the catalog: each event type with a Standard Schema for its payload, or
 * `{ schema, version, upcast }` for a type past version 1.
 *
 * ```ts
 * const catalog = defineEvents({
 *   ORDER_PLACED: z.object({ orderId: z.string(), total: z.number() }),
 *   ORDER_PAID: {
 *     schema: z.object({ orderId: z.string(), amount: z.number(), currency: z.string() }),
 *     version: 2,
 *     upcast: { 1: (v1) => ({ ...v1, currency: "EUR" }) },
 *   },
 * });
 * ```
 *
 * Throws {@link CatalogDefinitionError} for a definition it cannot use, naming the type.
 */
export function defineEvents<const D extends EventDefinitions>(definitions: D): Catalog<D> {
  if (typeof definitions !== "object" || definitions === null || Array.isArray(definitions)) {
    throw new InvalidOptionError("definitions", "an object of event types to schemas", definitions);
  }
  const entries: CatalogEntry[] = [];
  for (const type of Object.keys(definitions)) {
    entries.push(entryOf(type, definitions[type]));
  }
  return new Catalog<D>(entries);
}

function entryOf(type: string, definition: unknown): CatalogEntry {
  if (type.trim() === "" || type.trim() !== type) {
    throw new CatalogDefinitionError(
      JSON.stringify(type),
      "an event type must be non-empty, with no space around it",
    );
  }
  if (isStandardSchema(definition)) {
    return Object.freeze({ type, version: 1, schema: definition, upcast: Object.freeze({}) });
  }
  if (typeof definition !== "object" || definition === null) {
    throw new CatalogDefinitionError(
      type,
      `expected a Standard Schema (zod, valibot, arktype, ...) or { schema, version, upcast }, got ${describe(definition)}`,
    );
  }
  const { schema, version = 1, upcast = {} } = definition as Record<string, unknown>;
  if (!isStandardSchema(schema)) {
    throw new CatalogDefinitionError(
      type,
      `schema must be a Standard Schema v1 validator (with a "~standard" property), got ${describe(schema)}`,
    );
  }
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    throw new CatalogDefinitionError(
      type,
      `version must be an integer >= 1, got ${describe(version)}`,
    );
  }
  if (typeof upcast !== "object" || upcast === null) {
    throw new CatalogDefinitionError(
      type,
      `upcast must be an object of version -> function, got ${describe(upcast)}`,
    );
  }
  const steps: Record<number, Upcaster> = {};
  for (const key of Object.keys(upcast)) {
    const from = Number(key);
    if (!Number.isSafeInteger(from) || from < 1 || from >= version) {
      throw new CatalogDefinitionError(
        type,
        `upcast key ${JSON.stringify(key)} is not a version before ${version} (upcasters are keyed by the version they read, 1 to ${version - 1})`,
      );
    }
    const step = (upcast as Record<string, unknown>)[key];
    if (typeof step !== "function") {
      throw new CatalogDefinitionError(
        type,
        `upcast[${key}] must be a function (payload of version ${from}) => payload of version ${from + 1}, got ${describe(step)}`,
      );
    }
    steps[from] = step as Upcaster;
  }
  for (let from = 1; from < version; from++) {
    if (steps[from] === undefined) {
      throw new CatalogDefinitionError(
        type,
        `version ${version} needs an upcaster for every older version: upcast[${from}] (version ${from} -> ${from + 1}) is missing`,
      );
    }
  }
  return Object.freeze({ type, version, schema, upcast: Object.freeze(steps) });
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
