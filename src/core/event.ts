/**
 * The Event: an immutable, validated message with an id, a UTC timestamp, a type and a JSON
 * payload. The same rules apply to the constructor and to {@link Event.fromJSON}; the wire form
 * keeps NecroStack for Python's field names so both can share a stream.
 */
import { randomUUID } from "node:crypto";
import { describeValue, EventValidationError, type ValidationIssue } from "./errors.js";
import { copyPayload, EMPTY_PAYLOAD, type JsonObject, kindOf } from "./json.js";
import { parseTimestamp, type TimestampInput } from "./timestamp.js";

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
}

/** The wire form of an event, as `toJSON()` returns it and `fromJSON()` accepts it. */
export interface EventJSON {
  readonly id: string;
  /** ISO-8601 in UTC, such as `"2024-01-15T10:30:45.123Z"`. */
  readonly timestamp: string;
  readonly event_type: string;
  readonly payload: JsonObject;
}

/** Passed by `fromJSON` to the constructor with {@link CheckedParts}; not reachable from outside. */
const TRUSTED: unique symbol = Symbol("necrostack.checked-event");

/** An event's parts after every check passed. */
interface CheckedParts {
  readonly eventType: string;
  readonly payload: JsonObject;
  readonly id: string | undefined;
  readonly ms: number;
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const INIT_KEYS = new Set(["eventType", "payload", "id", "timestamp"]);
const WIRE_KEYS = new Set(["id", "timestamp", "event_type", "payload"]);

/**
 * An immutable event. `Event<"ORDER_PLACED", { orderId: string }>` types the event type and the
 * payload, so organs that listen to it get a typed payload.
 *
 * The id (when not given) is generated on first read, and the timestamp's `Date` is built on each
 * read from a number taken when the event is created: both are costs most events never need.
 */
export class Event<TType extends string = string, TPayload extends JsonObject = JsonObject> {
  /** What happened. */
  readonly eventType: TType;
  /**
   * The event's data: a deeply frozen copy of what was given. Typed read-only at the top level;
   * nested objects and arrays are frozen too, so writing to them throws in strict mode.
   */
  readonly payload: Readonly<TPayload>;
  #id: string | undefined;
  readonly #ms: number;

  /** `new Event("ORDER_PLACED", { orderId: "o-1" })` */
  constructor(eventType: TType, payload?: TPayload);
  /** `new Event({ eventType: "ORDER_PLACED", payload, id, timestamp })` */
  constructor(init: EventInit<TType, TPayload>);
  constructor(typeOrInit: TType | EventInit<TType, TPayload>, payload?: TPayload) {
    const issues: ValidationIssue[] = [];
    let type: unknown;
    let rawPayload: unknown;
    let id: string | undefined;
    let ms = Date.now();
    if (typeof typeOrInit === "string") {
      type = typeOrInit;
      rawPayload = payload;
    } else if ((typeOrInit as unknown) === TRUSTED) {
      // fromJSON has checked every part already: do not check them twice on the consumer path.
      const parts = payload as unknown as CheckedParts;
      this.eventType = parts.eventType as TType;
      this.payload = parts.payload as Readonly<TPayload>;
      this.#id = parts.id;
      this.#ms = parts.ms;
      Object.freeze(this);
      return;
    } else if (typeof typeOrInit === "object" && typeOrInit !== null && payload === undefined) {
      const init = typeOrInit as unknown as Record<string, unknown>;
      checkKeys(init, INIT_KEYS, issues);
      type = init.eventType;
      rawPayload = init.payload;
      id = checkId(init.id, issues);
      if (init.timestamp !== undefined) ms = checkTimestamp(init.timestamp, issues, ms);
    } else {
      throw new EventValidationError([
        {
          message: `expected an event type string or an EventInit object, got ${describeValue(typeOrInit)}${
            payload === undefined ? "" : " with a second argument"
          }`,
          path: [],
        },
      ]);
    }
    const eventType = checkType(type, "eventType", issues);
    const checked =
      rawPayload === undefined ? EMPTY_PAYLOAD : copyPayload(rawPayload, ["payload"], issues);
    if (issues.length > 0) throw new EventValidationError(issues);
    this.eventType = eventType as TType;
    this.payload = checked as Readonly<TPayload>;
    this.#id = id;
    this.#ms = ms;
    Object.freeze(this);
  }

  /** A UUID v4 in lower case. */
  get id(): string {
    if (this.#id === undefined) this.#id = randomUUID();
    return this.#id;
  }

  /** When the event happened, in UTC. A fresh copy on every read: changing it changes nothing. */
  get timestamp(): Date {
    return new Date(this.#ms);
  }

  /** The timestamp as epoch milliseconds. */
  get timestampMs(): number {
    return this.#ms;
  }

  /** The wire form: `{ id, timestamp, event_type, payload }`. */
  toJSON(): EventJSON {
    return {
      id: this.id,
      timestamp: new Date(this.#ms).toISOString(),
      event_type: this.eventType,
      payload: this.payload as JsonObject,
    };
  }

  /** Same id, timestamp, type and payload. */
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
   * Parses and validates an event from its wire form (a JSON string or an already-parsed object).
   * Unknown keys are rejected; `id`, `timestamp` and `payload` may be absent, as in the
   * constructor. Throws {@link EventValidationError} naming every bad field.
   */
  static fromJSON(input: string | object): Event {
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
          : (copyPayload(wire.payload, ["payload"], issues) ?? EMPTY_PAYLOAD),
    };
    if (issues.length > 0) throw new EventValidationError(issues);
    return new (Event as unknown as new (token: typeof TRUSTED, parts: CheckedParts) => Event)(
      TRUSTED,
      parts,
    );
  }

  /** How `console.log` and `util.inspect` show an event. */
  [Symbol.for("nodejs.util.inspect.custom")](): object {
    return { ...this.toJSON(), [Symbol.toStringTag]: "Event" };
  }
}

function checkKeys(
  input: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  issues: ValidationIssue[],
): void {
  for (const key of Object.keys(input)) {
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
