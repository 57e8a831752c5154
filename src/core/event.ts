/**
 * The Event: an immutable, validated message with an id, a UTC timestamp, a type, a JSON payload
 * and string headers. The same rules apply to the constructor and to {@link Event.fromJSON}; the
 * wire form keeps NecroStack for Python's field names so both can share a stream, and headers
 * travel beside it (see headers.ts).
 */
import { randomUUID } from "node:crypto";
import { describeValue, EventValidationError, type ValidationIssue } from "./errors.js";
import {
  copyHeaders,
  createHeaders,
  EMPTY_HEADERS,
  type EventHeaders,
  HEADER,
  headersText,
  mergeHeaders,
  parseHeaders,
} from "./headers.js";
import { adoptParsedPayload, copyPayload, EMPTY_PAYLOAD, type JsonObject, kindOf } from "./json.js";
import { isoTimestamp, parseTimestamp, type TimestampInput } from "./timestamp.js";

/** The object form of the Event constructor's argument. */
export interface EventInit<
  TType extends string = string,
  TPayload extends JsonObject = JsonObject,
> {
  /** What happened, such as `"ORDER_PLACED"`. Trimmed; must not be empty. */
  eventType: TType;
  /** JSON data about it. Copied and deeply frozen. @defaultValue `{}` */
  payload?: TPayload;
  /** A UUID v4. @defaultValue a new random UUID v4 */
  id?: string;
  /** When it happened: a Date, an ISO-8601 string with an offset, or epoch ms. @defaultValue now */
  timestamp?: TimestampInput;
  /**
   * Metadata beside the payload: lower-case names (`[a-z0-9][a-z0-9._-]*`) to strings, at most
   * 64 of them and 8 KiB as JSON. Copied and frozen. @defaultValue `{}`
   */
  headers?: EventHeaders;
}

/** The wire form of an event, as `toJSON()` returns it and `fromJSON()` accepts it. */
export interface EventJSON {
  readonly id: string;
  /** ISO-8601 in UTC, such as `"2024-01-15T10:30:45.123Z"`. */
  readonly timestamp: string;
  readonly event_type: string;
  readonly payload: JsonObject;
}

/**
 * What a transport carries: the event's wire form, and its headers beside it (never inside: the
 * wire form's keys are fixed, see {@link EventJSON}). `Event.fromJSON(wire.event, wire.headers)`
 * gives the event back.
 */
export interface EventWire {
  readonly event: EventJSON;
  readonly headers: EventHeaders;
}

/** The Spine's access to an event's lineage; not exported from the package. */
const STAMP: unique symbol = Symbol("necrostack.stamp-lineage");
const HOP: unique symbol = Symbol("necrostack.hop");
const HEADERS_JSON: unique symbol = Symbol("necrostack.headers-json");
const OWN_HEADER: unique symbol = Symbol("necrostack.own-header");

/** Records `cause` as the event whose handling emitted `child` (lazily: see `Extras.cause`). */
export function stampLineage(child: Event, cause: Event): void {
  Event[STAMP](child, cause);
}

/** An event's hop: how many handling steps it is from the first event of its chain. */
export function hopOf(event: Event): number {
  return Event[HOP](event);
}

/**
 * The event's headers as JSON text, `""` when it has none: what a transport writes. An emitted
 * event whose only headers are its lineage gets them written straight from its cause, without
 * building its headers object (which a consumer rarely reads on the producing side).
 */
export function headersJson(event: Event): string {
  return Event[HEADERS_JSON](event);
}

/**
 * A header the event was given (or, once its headers were read, any header) without building its
 * headers object: for a name that is never a lineage header, such as `schema-version`, which the
 * Spine reads on every event it pulls.
 */
export function ownHeader(event: Event, name: string): string | undefined {
  return Event[OWN_HEADER](event, name);
}

/** Passed by `fromJSON` to the constructor with {@link CheckedParts}; not reachable from outside. */
const TRUSTED: unique symbol = Symbol("necrostack.checked-event");

/** The id and headers of an event that has headers, kept in one slot (see `#idOrExtras`). */
interface Extras {
  id: string | undefined;
  /** Its headers; for an event with a cause, without the lineage headers until first read. */
  headers: EventHeaders;
}

/**
 * Lineage kept lazily forms a chain of causes; every {@link LINEAGE_CUT} hops the cause's own
 * headers are made, cutting the chain, so a long-running loop keeps at most that many events
 * alive through their causes.
 */
const LINEAGE_CUT = 16;

/** An event's parts after every check passed. */
interface CheckedParts {
  readonly eventType: string;
  readonly payload: JsonObject;
  readonly id: string | undefined;
  readonly ms: number;
  readonly headers: EventHeaders;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const INIT_KEYS = new Set(["eventType", "payload", "id", "timestamp", "headers"]);
const WIRE_KEYS = new Set(["id", "timestamp", "event_type", "payload"]);

/**
 * An immutable event. `Event<"ORDER_PLACED", { orderId: string }>` types the event type and the
 * payload, so organs that listen to it get a typed payload.
 *
 * The id (when not given) is generated on first read, and the timestamp's `Date` is built on each
 * read from a number taken when the event is created: both are costs most events never need. An
 * event without headers shares one frozen empty object, so headers cost nothing until set.
 */
export class Event<TType extends string = string, TPayload extends JsonObject = JsonObject> {
  /** What happened. */
  readonly eventType: TType;
  /**
   * The event's data: a deeply frozen copy of what was given. Typed read-only at the top level;
   * nested objects and arrays are frozen too, so writing to them throws in strict mode.
   */
  readonly payload: Readonly<TPayload>;
  /**
   * The id (undefined until first read when none was given) or, for an event with headers, an
   * {@link Extras} object holding the id with them: one slot for both, so an event without
   * headers needs no second object.
   */
  #idOrExtras: string | undefined | Extras;
  readonly #ms: number;
  /**
   * Set by the Spine on an event an organ emitted: the event whose handling emitted it. Its
   * `correlation-id`, `causation-id` and `hop` headers are made from it when first read, so an
   * event whose headers nobody reads costs no header object or string at all. Cleared then.
   */
  #cause: Event | undefined = undefined;
  /**
   * The hop as a number (the Spine reads it for every event): 0 for an event with no `hop`
   * header and no cause; -1 until parsed from the `hop` header.
   */
  #hop = 0;

  /** `new Event("ORDER_PLACED", { orderId: "o-1" })` */
  constructor(eventType: TType, payload?: TPayload);
  /** `new Event({ eventType: "ORDER_PLACED", payload, id, timestamp, headers })` */
  constructor(init: EventInit<TType, TPayload>);
  constructor(typeOrInit: TType | EventInit<TType, TPayload>, payload?: TPayload) {
    const issues: ValidationIssue[] = [];
    let type: unknown;
    let rawPayload: unknown;
    let id: string | undefined;
    let ms = Date.now();
    let headers = EMPTY_HEADERS;
    if (typeof typeOrInit === "string") {
      type = typeOrInit;
      rawPayload = payload;
    } else if ((typeOrInit as unknown) === TRUSTED) {
      // fromJSON has checked every part already: do not check them twice on the consumer path.
      const parts = payload as unknown as CheckedParts;
      this.eventType = parts.eventType as TType;
      this.payload = parts.payload as Readonly<TPayload>;
      this.#idOrExtras = idSlot(parts.id, parts.headers);
      this.#ms = parts.ms;
      if (parts.headers !== EMPTY_HEADERS) this.#hop = -1;
      Object.freeze(this);
      return;
    } else if (typeof typeOrInit === "object" && typeOrInit !== null && payload === undefined) {
      const init = typeOrInit as unknown as Record<string, unknown>;
      checkKeys(init, INIT_KEYS, issues);
      type = init.eventType;
      rawPayload = init.payload;
      id = checkId(init.id, issues);
      if (init.timestamp !== undefined) ms = checkTimestamp(init.timestamp, issues, ms);
      if (init.headers !== undefined) headers = copyHeaders(init.headers, issues);
    } else {
      throw badArguments(typeOrInit, payload);
    }
    const eventType = checkType(type, "eventType", issues);
    const checked =
      rawPayload === undefined ? EMPTY_PAYLOAD : copyPayload(rawPayload, ["payload"], issues);
    if (issues.length > 0) throw new EventValidationError(issues);
    this.eventType = eventType as TType;
    this.payload = checked as Readonly<TPayload>;
    this.#idOrExtras = idSlot(id, headers);
    this.#ms = ms;
    if (headers !== EMPTY_HEADERS) this.#hop = -1;
    Object.freeze(this);
  }

  /**
   * Records `cause` as the event whose handling emitted `child` (the Spine calls it for every
   * emitted event). Lineage headers the child already has are kept. Internal.
   */
  static [STAMP](child: Event, cause: Event): void {
    if (child.#cause !== undefined) return;
    const hop = Event[HOP](cause) + 1;
    const slot = child.#idOrExtras;
    // A hop header the organ set stays (parsed when read); lineage headers it set stay too.
    if (typeof slot !== "object" || slot.headers[HEADER.HOP] === undefined) child.#hop = hop;
    child.#cause = cause;
    if (hop % LINEAGE_CUT === 0) void cause.headers;
  }

  /** See {@link headersJson}. Internal. */
  static [HEADERS_JSON](event: Event): string {
    const cause = event.#cause;
    const slot = event.#idOrExtras;
    if (cause === undefined || typeof slot === "object") {
      return typeof slot === "object" ? headersText(event.headers) : "";
    }
    // Ids are UUIDs (no character to escape); the correlation id may come from anywhere.
    const correlation = cause.headers[HEADER.CORRELATION_ID] ?? cause.id;
    return `{"${HEADER.CORRELATION_ID}":${JSON.stringify(correlation)},"${HEADER.CAUSATION_ID}":"${cause.id}","${HEADER.HOP}":"${event.#hop}"}`;
  }

  /** See {@link ownHeader}. Internal. */
  static [OWN_HEADER](event: Event, name: string): string | undefined {
    const slot = event.#idOrExtras;
    return typeof slot === "object" ? slot.headers[name] : undefined;
  }

  /** The event's hop: 0 for an event with no `hop` header and no cause. Internal. */
  static [HOP](event: Event): number {
    if (event.#hop === -1) {
      const slot = event.#idOrExtras;
      event.#hop = parseHop(typeof slot === "object" ? slot.headers[HEADER.HOP] : undefined);
    }
    return event.#hop;
  }

  /** A UUID v4 in lower case. */
  get id(): string {
    const slot = this.#idOrExtras;
    if (typeof slot === "string") return slot;
    if (slot === undefined) {
      const id = randomUUID();
      this.#idOrExtras = id;
      return id;
    }
    slot.id ??= randomUUID();
    return slot.id;
  }

  /** When the event happened, in UTC. A fresh copy on every read: changing it changes nothing. */
  get timestamp(): Date {
    return new Date(this.#ms);
  }

  /** The timestamp as epoch milliseconds. */
  get timestampMs(): number {
    return this.#ms;
  }

  /**
   * Metadata beside the payload, frozen: lower-case names to strings (`HEADER` lists the names
   * NecroStack gives a meaning to). `{}` when none were given.
   */
  get headers(): EventHeaders {
    const slot = this.#idOrExtras;
    const cause = this.#cause;
    if (cause === undefined) return typeof slot === "object" ? slot.headers : EMPTY_HEADERS;
    this.#cause = undefined;
    const own = typeof slot === "object" ? slot.headers : EMPTY_HEADERS;
    const headers = withLineage(own, cause, Event[HOP](this));
    if (typeof slot === "object") slot.headers = headers;
    else this.#idOrExtras = { id: slot, headers };
    return headers;
  }

  /**
   * A copy with the same id, timestamp, type and payload, and these header changes: a string
   * sets a header, `undefined` removes it, headers not named are kept.
   * `event.withHeaders({ "schema-version": "2" })`. Throws {@link EventValidationError} naming
   * each bad header.
   */
  withHeaders(changes: Readonly<Record<string, string | undefined>>): Event<TType, TPayload> {
    const issues: ValidationIssue[] = [];
    const headers = mergeHeaders(this.headers, changes, issues);
    if (issues.length > 0) throw new EventValidationError(issues);
    return trusted<TType, TPayload>({
      eventType: this.eventType,
      payload: this.payload as JsonObject,
      // Read through the getter: the copy must have this event's id, so it is fixed now.
      id: this.id,
      ms: this.#ms,
      headers,
    });
  }

  /** The wire form: `{ id, timestamp, event_type, payload }`. Headers are not part of it. */
  toJSON(): EventJSON {
    return {
      id: this.id,
      timestamp: isoTimestamp(this.#ms),
      event_type: this.eventType,
      payload: this.payload as JsonObject,
    };
  }

  /** What a transport carries: the wire form and the headers, apart. */
  toWire(): EventWire {
    return { event: this.toJSON(), headers: this.headers };
  }

  /**
   * Same id, timestamp, type and payload. Headers are not compared: they describe how an event
   * travels (its hop, its attempt), not which event it is.
   */
  equals(other: Event): boolean {
    return (
      (this as Event) === other ||
      (this.id === other.id &&
        this.#ms === other.timestampMs &&
        this.eventType === other.eventType &&
        JSON.stringify(this.payload) === JSON.stringify(other.payload))
    );
  }

  /**
   * Parses and validates an event from its wire form (a JSON string or an already-parsed object)
   * and, optionally, its headers (an object, or its JSON text as a transport carries it).
   * Unknown keys are rejected; `id`, `timestamp` and `payload` may be absent, as in the
   * constructor. Throws {@link EventValidationError} naming every bad field and header.
   */
  static fromJSON(input: string | object, headers?: EventHeaders | string): Event {
    let data: unknown = input;
    if (typeof input === "string") {
      try {
        data = JSON.parse(input);
      } catch (error) {
        throw new EventValidationError(
          [{ message: `is not valid JSON: ${(error as Error).message}`, path: [] }],
          { cause: error },
        );
      }
    }
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      throw new EventValidationError([
        { message: `must be a JSON object, got ${kindOf(data)}`, path: [] },
      ]);
    }
    const wire = data as Record<string, unknown>;
    const issues: ValidationIssue[] = [];
    checkKeys(wire, WIRE_KEYS, issues);
    // Run every check so the error names every bad field, then build the event from the results.
    const parts: CheckedParts = {
      eventType: checkType(wire.event_type, "event_type", issues),
      id: checkId(wire.id, issues),
      ms: wire.timestamp === undefined ? Date.now() : checkTimestamp(wire.timestamp, issues, 0),
      payload:
        wire.payload === undefined
          ? EMPTY_PAYLOAD
          : // Parsed here from the text: frozen in place. A caller's object: copied.
            ((typeof input === "string"
              ? adoptParsedPayload(wire.payload, input.length, ["payload"], issues)
              : copyPayload(wire.payload, ["payload"], issues)) ?? EMPTY_PAYLOAD),
      headers:
        headers === undefined
          ? EMPTY_HEADERS
          : typeof headers === "string"
            ? parseHeaders(headers, issues)
            : copyHeaders(headers, issues),
    };
    if (issues.length > 0) throw new EventValidationError(issues);
    return trusted(parts);
  }

  /** How `console.log` and `util.inspect` show an event. */
  [Symbol.for("nodejs.util.inspect.custom")](): object {
    // Headers are shown only when there are some, so most events print as their wire form.
    const headers = this.headers === EMPTY_HEADERS ? {} : { headers: { ...this.headers } };
    return { ...this.toJSON(), ...headers, [Symbol.toStringTag]: "Event" };
  }
}

// The helpers below keep the constructor's bytecode small enough for V8 to inline it where events
// are created (about 460 bytes): past that, construction costs about 10% more.

/** What `#idOrExtras` holds for this id and these headers. */
function idSlot(id: string | undefined, headers: EventHeaders): string | undefined | Extras {
  return headers === EMPTY_HEADERS ? id : { id, headers };
}

function badArguments(typeOrInit: unknown, payload: unknown): EventValidationError {
  const second = payload === undefined ? "" : " with a second argument";
  return new EventValidationError([
    {
      message: `expected an event type string or an EventInit object, got ${describeValue(typeOrInit)}${second}`,
      path: [],
    },
  ]);
}

/** An event built from parts that passed every check, without checking them again. */
function trusted<TType extends string, TPayload extends JsonObject>(
  parts: CheckedParts,
): Event<TType, TPayload> {
  return new (
    Event as unknown as new (
      token: typeof TRUSTED,
      parts: CheckedParts,
    ) => Event<TType, TPayload>
  )(TRUSTED, parts);
}

function checkKeys(
  input: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  issues: ValidationIssue[],
): void {
  // for-in with hasOwn, not Object.keys: the same own enumerable keys, with no array per event.
  for (const key in input) {
    if (!Object.hasOwn(input, key)) continue;
    if (!allowed.has(key)) {
      issues.push({
        message: `is not a known field (allowed: ${[...allowed].join(", ")})`,
        path: [key],
      });
    }
  }
}

function checkType(value: unknown, field: string, issues: ValidationIssue[]): string {
  if (typeof value !== "string") {
    issues.push({ message: `must be a string, got ${describeValue(value)}`, path: [field] });
    return "";
  }
  const trimmed = value.trim();
  if (trimmed === "") issues.push({ message: "must not be empty", path: [field] });
  return trimmed;
}

function checkId(value: unknown, issues: ValidationIssue[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string" && UUID_V4.test(value)) return value.toLowerCase();
  issues.push({ message: `must be a UUID v4, got ${describeValue(value)}`, path: ["id"] });
  return undefined;
}

function checkTimestamp(value: unknown, issues: ValidationIssue[], fallback: number): number {
  const parsed = parseTimestamp(value);
  if (typeof parsed === "number") return parsed;
  issues.push({ message: parsed, path: ["timestamp"] });
  return fallback;
}

/** `own` with the lineage headers made from `cause`, each one `own` lacks. */
function withLineage(own: EventHeaders, cause: Event, hop: number): EventHeaders {
  const out = createHeaders();
  for (const name in own) out[name] = own[name] as string;
  out[HEADER.CORRELATION_ID] ??= cause.headers[HEADER.CORRELATION_ID] ?? cause.id;
  out[HEADER.CAUSATION_ID] ??= cause.id;
  out[HEADER.HOP] ??= String(hop);
  return Object.freeze(out);
}

/** A `hop` header as a number; 0 when absent or not a non-negative integer. */
function parseHop(value: string | undefined): number {
  if (value === undefined) return 0;
  const hop = Number(value);
  return Number.isSafeInteger(hop) && hop >= 0 ? hop : 0;
}
