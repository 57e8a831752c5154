/**
 * The Event rules stated as properties: what is valid is accepted unchanged, each kind of
 * invalid input is rejected with an issue whose path names the field, and every event survives
 * its own wire format.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Event, EventValidationError, type JsonObject } from "../../src/index.js";

const MIN_DATE = new Date("0001-01-01T00:00:00.000Z");
const MAX_DATE = new Date("9999-12-31T23:59:59.999Z");
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

const eventType = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== "");
const payload = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 4 }), {
  maxKeys: 6,
}) as fc.Arbitrary<JsonObject>;
const id = fc.uuid({ version: 4 });
const date = fc.date({ min: MIN_DATE, max: MAX_DATE, noInvalidDate: true });
const timestamp = fc.oneof(
  date,
  date.map((d) => d.toISOString()),
  date.map((d) => d.getTime()),
);

/** What the payload should look like once accepted: what JSON gives back. */
function asJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

function rejection(fn: () => unknown): EventValidationError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EventValidationError) return error;
    throw error;
  }
  throw new Error("expected an EventValidationError, but the input was accepted");
}

const notJson = fc.oneof(
  fc.constant(undefined),
  fc.constant(Number.NaN),
  fc.constant(Number.POSITIVE_INFINITY),
  fc.constant(Number.NEGATIVE_INFINITY),
  fc.bigInt().map((n) => n),
  fc.string().map((s) => Symbol(s)),
  fc.constant(() => 1),
  date.map((d) => new Date(d)),
  fc.constant(new Map()),
  fc.constant(new Set([1])),
  fc.uint8Array().map((bytes) => Buffer.from(bytes)),
);

/** A key path into a payload: object keys and array indices, starting with an object key. */
const keyPath = fc
  .tuple(
    fc.string({ minLength: 1, maxLength: 8 }),
    fc.array(fc.oneof(fc.string({ minLength: 1, maxLength: 8 }), fc.nat({ max: 3 })), {
      maxLength: 4,
    }),
  )
  .map(([first, rest]) => [first, ...rest] as (string | number)[]);

/** `{ [path[0]]: ... leaf }`, with arrays filled with `null` before an index. */
function nest(path: readonly (string | number)[], leaf: unknown): Record<string, unknown> {
  let value: unknown = leaf;
  for (let i = path.length - 1; i >= 0; i--) {
    const key = path[i] as string | number;
    if (typeof key === "number") {
      const array: unknown[] = new Array(key).fill(null);
      array.push(value);
      value = array;
    } else {
      value = { [key]: value };
    }
  }
  return value as Record<string, unknown>;
}

describe("Event (properties)", () => {
  it("accepts every valid init and keeps its fields: type trimmed, payload as JSON, id lower-cased", () => {
    fc.assert(
      fc.property(eventType, payload, id, timestamp, (type, data, uuid, at) => {
        const event = new Event({ eventType: type, payload: data, id: uuid, timestamp: at });
        expect(event.eventType).toBe(type.trim());
        expect(event.payload).toEqual(asJson(data));
        expect(event.id).toBe(uuid.toLowerCase());
        expect(event.timestampMs).toBe(new Date(at).getTime());
      }),
    );
  });

  it("gives back an equal event after a round trip through JSON text", () => {
    fc.assert(
      fc.property(
        eventType,
        payload,
        fc.option(id, { nil: undefined }),
        date,
        (type, data, uuid, at) => {
          const init = { eventType: type, payload: data, timestamp: at };
          const event = new Event(uuid === undefined ? init : { ...init, id: uuid });
          const back = Event.fromJSON(JSON.parse(JSON.stringify(event)) as object);
          expect(back.toJSON()).toEqual(event.toJSON());
          expect(back.equals(event)).toBe(true);
          expect(Event.fromJSON(JSON.stringify(event)).equals(event)).toBe(true);
        },
      ),
    );
  });

  it("reads the same payload from JSON text (frozen in place) as from the parsed object (copied), deeply frozen, -0 as 0", () => {
    const withNegativeZero = fc.oneof(
      payload,
      payload.map((p) => ({ ...p, z: -0, list: [-0, { y: -0 }] })),
    );
    fc.assert(
      fc.property(withNegativeZero, (p) => {
        const text = `{"event_type":"T","payload":${JSON.stringify(p).replace(/"z":0/, '"z":-0')}}`;
        const fromText = Event.fromJSON(text).payload;
        const fromObject = Event.fromJSON(JSON.parse(text) as object).payload;
        expect(fromText).toEqual(fromObject);
        expect(JSON.stringify(fromText)).toBe(JSON.stringify(fromObject));
        const stack: unknown[] = [fromText];
        while (stack.length > 0) {
          const value = stack.pop();
          if (typeof value !== "object" || value === null) {
            expect(Object.is(value, -0)).toBe(false);
            continue;
          }
          expect(Object.isFrozen(value)).toBe(true);
          stack.push(...Object.values(value));
        }
        // A payload read from text is passed on to a new event without being walked again.
        expect(new Event("U", fromText).payload).toBe(fromText);
      }),
    );
  });

  it("reads a timestamp in toISOString()'s form exactly as the same instant written with +00:00", () => {
    const digits = (n: number) =>
      fc
        .array(fc.constantFrom(..."0123456789"), { minLength: n, maxLength: n })
        .map((d) => d.join(""));
    // Random digits in every field: impossible dates and times included.
    const text = fc
      .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), digits(3))
      .map(([y, mo, d, h, mi, sec, ms]) => `${y}-${mo}-${d}T${h}:${mi}:${sec}.${ms}`);
    const read = (timestamp: string): number | "rejected" => {
      try {
        return new Event({ eventType: "T", timestamp }).timestampMs;
      } catch (error) {
        if (error instanceof EventValidationError) return "rejected";
        throw error;
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          date.map((d) => d.toISOString().slice(0, 23)),
        ),
        (t) => {
          expect(read(`${t}Z`)).toEqual(read(`${t}+00:00`));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("reads Python's isoformat() timestamps, microseconds and offsets included", () => {
    const seconds = fc.integer({
      min: Math.ceil(new Date("0002-01-01T00:00:00Z").getTime() / 1000),
      max: Math.floor(new Date("9998-12-31T00:00:00Z").getTime() / 1000),
    });
    const offsetMinutes = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    fc.assert(
      fc.property(
        seconds,
        fc.integer({ min: 0, max: 999_999 }),
        offsetMinutes,
        (s, micro, offset) => {
          const text = pythonIsoformat(s, micro, offset);
          const event = Event.fromJSON({ event_type: "A", timestamp: text });
          expect(event.timestampMs).toBe(s * 1000 + Math.floor(micro / 1000));
        },
      ),
    );
  });

  it("rejects a bad event type, naming eventType (constructor) or event_type (wire)", () => {
    const bad = fc.oneof(
      fc.stringMatching(/^\s*$/),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.array(fc.string()),
    );
    fc.assert(
      fc.property(bad, payload, (type, data) => {
        const fromInit = rejection(() => new Event({ eventType: type, payload: data } as never));
        expect(fromInit.issues.map((i) => i.path)).toEqual([["eventType"]]);
        const fromWire = rejection(() => Event.fromJSON({ event_type: type, payload: data }));
        expect(fromWire.issues.map((i) => i.path)).toEqual([["event_type"]]);
      }),
    );
  });

  it("rejects an id that is not a UUID v4, naming id", () => {
    const bad = fc.oneof(
      fc.string().filter((s) => !UUID_V4.test(s)),
      fc.uuid({ version: [1, 2, 3, 5, 6, 7, 8] }),
      fc.integer(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(eventType, bad, (type, uuid) => {
        for (const error of [
          rejection(() => new Event({ eventType: type, id: uuid } as never)),
          rejection(() => Event.fromJSON({ event_type: type, id: uuid })),
        ]) {
          expect(error.issues.map((i) => i.path)).toEqual([["id"]]);
        }
      }),
    );
  });

  it("rejects a timestamp that is not an instant in years 1 to 9999, naming timestamp", () => {
    const bad = fc.oneof(
      fc.string().filter((s) => !/^\d{4}-\d\d-\d\d[T ]/.test(s)),
      fc
        .date({ min: MIN_DATE, max: MAX_DATE, noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, -1)),
      fc.double({ min: MAX_DATE.getTime() + 1, noNaN: true }),
      fc.double({ max: MIN_DATE.getTime() - 1, noNaN: true }),
      fc.constant(Number.NaN),
      fc.constant(new Date(Number.NaN)),
      fc.boolean(),
      fc.constant(null),
    );
    fc.assert(
      fc.property(eventType, bad, (type, at) => {
        for (const error of [
          rejection(() => new Event({ eventType: type, timestamp: at } as never)),
          rejection(() => Event.fromJSON({ event_type: type, timestamp: at })),
        ]) {
          expect(error.issues.map((i) => i.path)).toEqual([["timestamp"]]);
        }
      }),
    );
  });

  it("rejects a value JSON cannot hold anywhere in the payload, naming its exact path", () => {
    fc.assert(
      fc.property(eventType, keyPath, notJson, payload, (type, path, leaf, rest) => {
        const data = { ...rest, ...nest(path, leaf) };
        for (const error of [
          rejection(() => new Event(type, data as never)),
          rejection(() => Event.fromJSON({ event_type: type, payload: data })),
        ]) {
          expect(error.issues.map((i) => i.path)).toEqual([["payload", ...path]]);
        }
      }),
    );
  });

  it("rejects a payload that is not a plain object, naming payload", () => {
    const bad = fc.oneof(
      fc.array(fc.jsonValue()),
      fc.string(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(new Date(0)),
    );
    fc.assert(
      fc.property(eventType, bad, (type, data) => {
        expect(rejection(() => new Event(type, data as never)).issues.map((i) => i.path)).toEqual([
          ["payload"],
        ]);
      }),
    );
  });

  it("rejects every unknown key, naming it, in the constructor and in fromJSON", () => {
    const known = new Set(["eventType", "payload", "id", "timestamp", "event_type"]);
    const unknownKey = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !known.has(k));
    fc.assert(
      fc.property(eventType, unknownKey, fc.jsonValue(), (type, key, value) => {
        const fromInit = rejection(() => new Event({ eventType: type, [key]: value } as never));
        expect(fromInit.issues.map((i) => i.path)).toEqual([[key]]);
        const fromWire = rejection(() => Event.fromJSON({ event_type: type, [key]: value }));
        expect(fromWire.issues.map((i) => i.path)).toEqual([[key]]);
      }),
    );
  });
});

/** What Python's `datetime.isoformat()` writes for an aware datetime at `offsetMinutes`. */
function pythonIsoformat(utcSeconds: number, micro: number, offsetMinutes: number): string {
  const local = new Date(utcSeconds * 1000 + offsetMinutes * 60_000);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    (micro === 0 ? "" : `.${pad(micro, 6)}`) +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}
