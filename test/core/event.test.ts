import { describe, expect, it } from "vitest";
import {
  Event,
  EventValidationError,
  MAX_PAYLOAD_BYTES,
  NecroStackError,
  type ValidationIssue,
} from "../../src/index.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ID = "3f2b8c1e-9d4a-4e7b-8f6a-1c2d3e4f5a6b";

/** The validation error `fn` throws; fails the test when it throws nothing or something else. */
function validationError(fn: () => unknown): EventValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EventValidationError);
    return error as EventValidationError;
  }
  throw new Error("expected an EventValidationError, but nothing was thrown");
}

function paths(error: EventValidationError): PropertyKey[][] {
  return error.issues.map((issue: ValidationIssue) => [...issue.path]);
}

/** Construct with an input the types forbid, as untyped JavaScript callers can. */
function unchecked(input: unknown): Event {
  return new Event(input as never);
}

describe("Event", () => {
  describe("construction", () => {
    it("takes an event type and a payload as the shorthand form", () => {
      const event = new Event("ORDER_PLACED", { orderId: "o-1" });
      expect(event.eventType).toBe("ORDER_PLACED");
      expect(event.payload).toEqual({ orderId: "o-1" });
    });

    it("takes an init object with eventType, payload, id and timestamp", () => {
      const event = new Event({
        eventType: "ORDER_PLACED",
        payload: { n: 1 },
        id: ID,
        timestamp: "2024-01-15T10:30:45.123Z",
      });
      expect(event.toJSON()).toEqual({
        id: ID,
        timestamp: "2024-01-15T10:30:45.123Z",
        event_type: "ORDER_PLACED",
        payload: { n: 1 },
      });
    });

    it("defaults the payload to an empty object", () => {
      expect(new Event("A").payload).toEqual({});
      expect(new Event({ eventType: "A" }).payload).toEqual({});
    });

    it("generates a lower-case UUID v4 id when none is given", () => {
      const ids = new Set(Array.from({ length: 200 }, () => new Event("A").id));
      expect(ids.size).toBe(200);
      for (const id of ids) expect(id).toMatch(UUID_V4);
    });

    it("keeps the same id on every read", () => {
      const event = new Event("A");
      expect(event.id).toBe(event.id);
      expect(event.toJSON().id).toBe(event.id);
    });

    it("lower-cases a given upper-case UUID v4", () => {
      expect(new Event({ eventType: "A", id: ID.toUpperCase() }).id).toBe(ID);
    });

    it.each([
      ["a UUID v1", "6fa459ea-ee8a-11e3-ac10-0800200c9a66"],
      ["a UUID with a bad variant", "3f2b8c1e-9d4a-4e7b-cf6a-1c2d3e4f5a6b"],
      ["a non-UUID string", "order-1"],
      ["an empty string", ""],
      ["a number", 42],
    ])("rejects %s as an id, naming the id field", (_label, id) => {
      const error = validationError(() => unchecked({ eventType: "A", id }));
      expect(paths(error)).toEqual([["id"]]);
      expect(error.message).toContain("id: must be a UUID v4");
    });

    it("trims the event type", () => {
      expect(new Event("  ORDER_PLACED \n").eventType).toBe("ORDER_PLACED");
    });

    it.each([[""], ["   "], ["\t\n"]])(
      "rejects the event type %j, which is empty after trimming",
      (type) => {
        const error = validationError(() => new Event(type));
        expect(paths(error)).toEqual([["eventType"]]);
        expect(error.message).toContain("eventType: must not be empty");
      },
    );

    it("rejects a missing or non-string event type, naming the field", () => {
      expect(paths(validationError(() => unchecked({})))).toEqual([["eventType"]]);
      expect(paths(validationError(() => unchecked({ eventType: 7 })))).toEqual([["eventType"]]);
    });

    it("rejects an argument that is neither a type string nor an init object", () => {
      for (const input of [null, 42, ["A"], undefined]) {
        expect(() => unchecked(input)).toThrow(EventValidationError);
      }
    });

    it("rejects an init object followed by a second argument", () => {
      const withPayload = () => new Event({ eventType: "A" } as never, { n: 1 } as never);
      expect(validationError(withPayload).message).toContain("with a second argument");
    });

    it("rejects unknown keys in the init object, naming each", () => {
      const error = validationError(() => unchecked({ eventType: "A", event_type: "A", extra: 1 }));
      expect(paths(error)).toEqual([["event_type"], ["extra"]]);
      expect(error.message).toContain("extra: is not a known field");
    });

    it("names every bad field in one error", () => {
      const error = validationError(() =>
        unchecked({ eventType: " ", id: "nope", timestamp: "yesterday", payload: [] }),
      );
      expect(paths(error).sort()).toEqual([["eventType"], ["id"], ["payload"], ["timestamp"]]);
      for (const field of ["eventType", "id", "timestamp", "payload"]) {
        expect(error.message).toContain(`${field}:`);
      }
    });

    it("throws an EventValidationError that is a NecroStackError with a stable code", () => {
      const error = validationError(() => new Event(""));
      expect(error).toBeInstanceOf(NecroStackError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe("EventValidationError");
      expect(error.code).toBe("ERR_EVENT_VALIDATION");
    });
  });

  describe("timestamp", () => {
    it("accepts a Date, an ISO-8601 string and epoch milliseconds for the same instant", () => {
      const ms = Date.UTC(2024, 0, 15, 10, 30, 45, 123);
      const fromDate = new Event({ eventType: "A", timestamp: new Date(ms) });
      const fromIso = new Event({ eventType: "A", timestamp: "2024-01-15T10:30:45.123Z" });
      const fromMs = new Event({ eventType: "A", timestamp: ms });
      for (const event of [fromDate, fromIso, fromMs]) {
        expect(event.timestamp.getTime()).toBe(ms);
        expect(event.timestampMs).toBe(ms);
      }
    });

    it("converts a string with a non-UTC offset to UTC", () => {
      const event = new Event({ eventType: "A", timestamp: "2024-01-15T16:00:45.123+05:30" });
      expect(event.toJSON().timestamp).toBe("2024-01-15T10:30:45.123Z");
    });

    it("is taken from the clock when absent", () => {
      const before = Date.now();
      const event = new Event("A");
      const after = Date.now();
      expect(event.timestampMs).toBeGreaterThanOrEqual(before);
      expect(event.timestampMs).toBeLessThanOrEqual(after);
    });

    it("returns a copy: changing the Date it returns does not change the event", () => {
      const event = new Event({ eventType: "A", timestamp: 1_700_000_000_000 });
      const date = event.timestamp;
      date.setUTCFullYear(1999);
      expect(event.timestamp.getTime()).toBe(1_700_000_000_000);
      expect(event.timestamp).not.toBe(event.timestamp);
    });

    it("keeps its own copy of a given Date: changing that Date later changes nothing", () => {
      const given = new Date(1_700_000_000_000);
      const event = new Event({ eventType: "A", timestamp: given });
      given.setTime(0);
      expect(event.timestampMs).toBe(1_700_000_000_000);
    });

    it.each([
      ["an Invalid Date", new Date(Number.NaN)],
      ["NaN", Number.NaN],
      ["Infinity", Number.POSITIVE_INFINITY],
      ["a number past the Date range", 9e15],
      ["a string without a UTC offset", "2024-01-15T10:30:45"],
      ["a date-only string", "2024-01-15"],
      ["an impossible date", "2024-02-30T10:00:00Z"],
      ["an impossible date in toISOString()'s form", "2024-02-30T10:00:00.000Z"],
      ["an impossible hour", "2024-01-15T24:00:00Z"],
      ["an impossible hour in toISOString()'s form", "2024-01-15T24:00:00.000Z"],
      ["year 0 in toISOString()'s form", "0000-06-01T00:00:00.000Z"],
      ["an impossible offset", "2024-01-15T10:00:00+24:00"],
      ["year 0", "0000-06-01T00:00:00Z"],
      ["free text", "yesterday"],
      ["an empty string", ""],
      ["a boolean", true],
      ["an object", { at: 1 }],
    ])("rejects %s, naming the timestamp field", (_label, timestamp) => {
      const error = validationError(() => unchecked({ eventType: "A", timestamp }));
      expect(paths(error)).toEqual([["timestamp"]]);
    });

    it("rejects instants whose ISO-8601 form would need more than four year digits", () => {
      // toJSON writes ISO-8601; Python's datetime and fromJSON read years 1 to 9999 only.
      for (const timestamp of [Date.UTC(10_000, 0, 1), Date.UTC(-1, 0, 1), -62_135_596_800_001]) {
        const error = validationError(() => new Event({ eventType: "A", timestamp }));
        expect(paths(error)).toEqual([["timestamp"]]);
      }
    });

    it("accepts the first and last instants of years 1 to 9999", () => {
      const first = new Event({ eventType: "A", timestamp: "0001-01-01T00:00:00Z" });
      const last = new Event({ eventType: "A", timestamp: "9999-12-31T23:59:59.999Z" });
      expect(Event.fromJSON(JSON.stringify(first)).equals(first)).toBe(true);
      expect(Event.fromJSON(JSON.stringify(last)).equals(last)).toBe(true);
    });
  });

  describe("payload", () => {
    it("is a copy: changing the object given later does not change the event", () => {
      const given = { list: [1, 2], nested: { a: "x" } };
      const event = new Event("A", given);
      given.list.push(3);
      given.nested.a = "changed";
      expect(event.payload).toEqual({ list: [1, 2], nested: { a: "x" } });
    });

    it.each([
      ["a function", () => 1, "function"],
      ["a symbol", Symbol("s"), "symbol"],
      ["a bigint", 10n, "bigint"],
      ["undefined", undefined, "undefined"],
      ["NaN", Number.NaN, "NaN"],
      ["Infinity", Number.POSITIVE_INFINITY, "Infinity"],
      ["-Infinity", Number.NEGATIVE_INFINITY, "-Infinity"],
      ["a Date instance", new Date(0), "Date instance"],
      ["a Map instance", new Map(), "Map instance"],
      ["a Set instance", new Set(), "Set instance"],
      ["a Buffer instance", Buffer.from("x"), "Buffer instance"],
      ["a RegExp instance", /x/, "RegExp instance"],
      ["a class instance", new (class Money {})(), "Money instance"],
      ["an array subclass instance", new (class Items extends Array {})(), "Items instance"],
    ])("rejects %s as a value, naming where it is", (_label, bad, kind) => {
      const error = validationError(() =>
        unchecked({ eventType: "A", payload: { a: [{ b: bad }] } }),
      );
      expect(paths(error)).toEqual([["payload", "a", 0, "b"]]);
      expect(error.message).toContain("payload.a[0].b:");
      expect(error.message).toContain(kind);
    });

    it.each([
      ["an array", [1]],
      ["a string", "x"],
      ["null", null],
      ["a Date instance", new Date(0)],
      ["a Map instance", new Map()],
    ])("rejects %s as the payload itself", (_label, payload) => {
      expect(paths(validationError(() => unchecked({ eventType: "A", payload })))).toEqual([
        ["payload"],
      ]);
    });

    it("accepts an object with a null prototype", () => {
      const payload = Object.assign(Object.create(null) as Record<string, number>, { a: 1 });
      expect(new Event("A", payload).payload).toEqual({ a: 1 });
    });

    it("rejects symbol keys", () => {
      const payload = { [Symbol("secret")]: 1, a: 1 };
      expect(paths(validationError(() => new Event("A", payload as never)))).toEqual([["payload"]]);
    });

    it("rejects a cycle, naming where it closes", () => {
      const inner: Record<string, unknown> = {};
      const payload = { a: { inner } };
      inner.back = payload;
      const error = validationError(() => unchecked({ eventType: "A", payload }));
      expect(paths(error)).toEqual([["payload", "a", "inner", "back"]]);
      expect(error.message).toContain("cycle");
    });

    it("accepts the same object twice when it is not a cycle", () => {
      const shared = { x: 1 };
      expect(new Event("A", { a: shared, b: shared }).payload).toEqual({
        a: { x: 1 },
        b: { x: 1 },
      });
    });

    it("rejects a hole in a sparse array", () => {
      const sparse: number[] = [1];
      sparse[2] = 3;
      expect(paths(validationError(() => new Event("A", { sparse })))).toEqual([
        ["payload", "sparse", 1],
      ]);
    });

    it("keeps a key named __proto__ as data", () => {
      const payload = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<
        string,
        unknown
      >;
      const event = new Event("A", payload as never);
      expect(Object.keys(event.payload)).toEqual(["__proto__", "a"]);
      expect(Object.getPrototypeOf(event.payload)).toBe(Object.prototype);
      expect(JSON.stringify(event.payload)).toBe('{"__proto__":{"polluted":true},"a":1}');
      expect(Event.fromJSON(JSON.stringify(event)).equals(event)).toBe(true);
    });

    it("keeps a key named __proto__ with a plain value as data", () => {
      const payload = JSON.parse('{"__proto__": 1, "a": "x"}') as Record<string, unknown>;
      const event = new Event("A", payload as never);
      expect(Object.keys(event.payload)).toEqual(["__proto__", "a"]);
      expect(Object.getPrototypeOf(event.payload)).toBe(Object.prototype);
      expect(JSON.stringify(event.payload)).toBe('{"__proto__":1,"a":"x"}');
    });

    it("stores -0 as 0, since JSON has no negative zero", () => {
      const event = new Event("A", { n: -0 });
      expect(Object.is(event.payload.n, 0)).toBe(true);
    });

    it(`accepts a payload of exactly ${MAX_PAYLOAD_BYTES} bytes as JSON`, () => {
      // {"s":"..."} adds 8 bytes around the string.
      const payload = { s: "x".repeat(MAX_PAYLOAD_BYTES - 8) };
      expect(Buffer.byteLength(JSON.stringify(payload))).toBe(MAX_PAYLOAD_BYTES);
      expect(new Event("A", payload).payload.s).toHaveLength(MAX_PAYLOAD_BYTES - 8);
    });

    it("rejects a payload one byte over the limit, with its size in the message", () => {
      const payload = { s: "x".repeat(MAX_PAYLOAD_BYTES - 7) };
      const error = validationError(() => new Event("A", payload));
      expect(paths(error)).toEqual([["payload"]]);
      expect(error.message).toContain("1000001 bytes");
      expect(error.message).toContain("1000000");
    });

    it("measures the limit in UTF-8 bytes, not characters", () => {
      const payload = { s: "é".repeat(500_000) };
      expect(validationError(() => new Event("A", payload)).message).toContain("1000008 bytes");
    });

    it("counts the size of another event's payload reused inside a new payload", () => {
      const half = new Event("A", { s: "x".repeat(600_000) });
      expect(new Event("B", half.payload).payload).toBe(half.payload);
      const error = validationError(() => new Event("B", { a: half.payload, b: half.payload }));
      expect(error.message).toContain("bytes");
    });
  });

  describe("immutability", () => {
    it("is frozen: assigning a field throws", () => {
      const event = new Event("A");
      expect(Object.isFrozen(event)).toBe(true);
      expect(() => {
        (event as { eventType: string }).eventType = "B";
      }).toThrow(TypeError);
      expect(event.eventType).toBe("A");
    });

    it("freezes the payload deeply: nested objects and arrays reject writes", () => {
      const event = new Event("A", { list: [{ n: 1 }], nested: { deep: { x: "y" } } });
      const payload = event.payload as unknown as {
        list: { n: number }[];
        nested: { deep: { x: string } };
      };
      expect(Object.isFrozen(payload)).toBe(true);
      expect(Object.isFrozen(payload.list)).toBe(true);
      expect(Object.isFrozen(payload.list[0])).toBe(true);
      expect(Object.isFrozen(payload.nested.deep)).toBe(true);
      expect(() => payload.list.push({ n: 2 })).toThrow(TypeError);
      expect(() => {
        payload.nested.deep.x = "z";
      }).toThrow(TypeError);
      expect(event.payload).toEqual({ list: [{ n: 1 }], nested: { deep: { x: "y" } } });
    });

    it("hands out a toJSON() whose payload cannot change the event", () => {
      const event = new Event("A", { n: 1 });
      const wire = event.toJSON() as { payload: Record<string, unknown> };
      expect(() => {
        wire.payload.n = 2;
      }).toThrow(TypeError);
      expect(event.payload.n).toBe(1);
    });
  });

  describe("wire format", () => {
    it("serializes as { id, timestamp, event_type, payload } with a UTC ISO-8601 timestamp", () => {
      const event = new Event({ eventType: "A", payload: { n: 1 }, id: ID, timestamp: 0 });
      expect(JSON.parse(JSON.stringify(event))).toEqual({
        id: ID,
        timestamp: "1970-01-01T00:00:00.000Z",
        event_type: "A",
        payload: { n: 1 },
      });
      expect(Object.keys(event.toJSON())).toEqual(["id", "timestamp", "event_type", "payload"]);
    });

    it("parses a JSON string", () => {
      const text = `{"id":"${ID}","timestamp":"2024-01-15T10:30:45.123Z","event_type":"A","payload":{"n":1}}`;
      const event = Event.fromJSON(text);
      expect(event.id).toBe(ID);
      expect(event.eventType).toBe("A");
      expect(event.payload).toEqual({ n: 1 });
      expect(event.timestampMs).toBe(Date.UTC(2024, 0, 15, 10, 30, 45, 123));
    });

    it("parses an event as NecroStack for Python writes it, microseconds and +00:00 offset", () => {
      const event = Event.fromJSON({
        id: ID,
        timestamp: "2024-01-15T10:30:45.123456+00:00",
        event_type: "SUMMON_RITUAL",
        payload: { spirit: "Ada" },
      });
      expect(event.toJSON().timestamp).toBe("2024-01-15T10:30:45.123Z");
    });

    it("parses Python timestamps without a fraction, with a Z and with a space separator", () => {
      const at = (timestamp: string) => Event.fromJSON({ event_type: "A", timestamp }).timestampMs;
      const expected = Date.UTC(2024, 0, 15, 10, 30, 45);
      expect(at("2024-01-15T10:30:45+00:00")).toBe(expected);
      expect(at("2024-01-15T10:30:45.000000Z")).toBe(expected);
      expect(at("2024-01-15 10:30:45+00:00")).toBe(expected);
    });

    it("generates the id and timestamp when the wire form leaves them out", () => {
      const event = Event.fromJSON({ event_type: "A" });
      expect(event.id).toMatch(UUID_V4);
      expect(event.payload).toEqual({});
    });

    it("rejects unknown keys, including the constructor's camel-case eventType", () => {
      const error = validationError(() => Event.fromJSON({ event_type: "A", eventType: "A" }));
      expect(paths(error)).toEqual([["eventType"]]);
    });

    it("rejects a missing event_type, naming it", () => {
      expect(paths(validationError(() => Event.fromJSON({ payload: {} })))).toEqual([
        ["event_type"],
      ]);
    });

    it("rejects text that is not JSON", () => {
      const error = validationError(() => Event.fromJSON("{not json"));
      expect(error.message).toContain("not valid JSON");
      expect(error.cause).toBeInstanceOf(SyntaxError);
    });

    it.each([
      ["an array", "[]"],
      ["a number", "42"],
      ["null", "null"],
    ])("rejects JSON that is %s rather than an object", (_label, text) => {
      expect(validationError(() => Event.fromJSON(text)).message).toContain(
        "must be a JSON object",
      );
    });

    it("names every bad field of the wire form in one error", () => {
      const error = validationError(() =>
        Event.fromJSON({
          id: 1,
          timestamp: "then",
          event_type: "",
          payload: { f: null, n: [1, {}] },
          x: 1,
        }),
      );
      expect(paths(error).sort()).toEqual([["event_type"], ["id"], ["timestamp"], ["x"]]);
    });
  });

  describe("equals", () => {
    it("is true for events with the same id, timestamp, type and payload", () => {
      const a = new Event({ eventType: "A", payload: { n: 1 }, id: ID, timestamp: 5 });
      const b = new Event({ eventType: "A", payload: { n: 1 }, id: ID, timestamp: 5 });
      expect(a.equals(b)).toBe(true);
    });

    it("is false when any one of them differs", () => {
      const base = { eventType: "A", payload: { n: 1 }, id: ID, timestamp: 5 };
      const a = new Event(base);
      expect(a.equals(new Event({ ...base, eventType: "B" }))).toBe(false);
      expect(a.equals(new Event({ ...base, payload: { n: 2 } }))).toBe(false);
      expect(a.equals(new Event({ ...base, timestamp: 6 }))).toBe(false);
      expect(a.equals(new Event({ ...base, id: "3f2b8c1e-9d4a-4e7b-8f6a-1c2d3e4f5a6c" }))).toBe(
        false,
      );
    });
  });
});
