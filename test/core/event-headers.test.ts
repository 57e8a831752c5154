/**
 * Event headers: string metadata beside the payload. Each rule on names, values, count and size
 * is rejected with an EventValidationError whose issue names the header; headers are frozen,
 * survive `withHeaders`, `toWire` and `fromJSON`, and never enter the four-field wire form.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  EMPTY_HEADERS,
  type EventHeaders,
  HEADER,
  MAX_HEADERS,
  MAX_HEADERS_BYTES,
} from "../../src/core/headers.js";
import { Event, EventValidationError, type ValidationIssue } from "../../src/index.js";

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

/** Headers given as untyped JavaScript may give them. */
function withRaw(headers: unknown): Event {
  return new Event({ eventType: "A", headers: headers as EventHeaders });
}

/** `count` headers named h0, h1, ... */
function many(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`h${i}`, "v"]));
}

describe("Event headers", () => {
  describe("defaults", () => {
    it("are an empty frozen object when none are given", () => {
      for (const event of [
        new Event("A"),
        new Event({ eventType: "A" }),
        Event.fromJSON({ event_type: "A" }),
      ]) {
        expect(event.headers).toEqual({});
        expect(Object.isFrozen(event.headers)).toBe(true);
      }
    });

    it("are shared by every event without headers, so they cost no allocation", () => {
      expect(new Event("A").headers).toBe(EMPTY_HEADERS);
      expect(new Event("B", { n: 1 }).headers).toBe(new Event("C").headers);
    });

    it("read an absent name as undefined, even one Object.prototype has", () => {
      const event = new Event({ eventType: "A", headers: { a: "1" } });
      expect(event.headers.constructor).toBeUndefined();
      expect(new Event("A").headers.tostring).toBeUndefined();
      expect(event.headers["to-string"]).toBeUndefined();
    });
  });

  describe("construction", () => {
    it("takes headers in the init object and keeps them as given", () => {
      const event = new Event({
        eventType: "ORDER_PLACED",
        headers: { "correlation-id": ID, "x.tenant_id": "t-1", a0: "" },
      });
      expect(event.headers).toEqual({ "correlation-id": ID, "x.tenant_id": "t-1", a0: "" });
    });

    it("copies and freezes them: changing the given object later changes nothing", () => {
      const given: Record<string, string> = { tenant: "t-1" };
      const event = new Event({ eventType: "A", headers: given });
      given.tenant = "t-2";
      given.extra = "x";
      expect(event.headers).toEqual({ tenant: "t-1" });
      expect(Object.isFrozen(event.headers)).toBe(true);
      expect(() => {
        (event.headers as Record<string, string>).tenant = "t-3";
      }).toThrow(TypeError);
    });

    it("takes another event's headers as they are", () => {
      const first = new Event({ eventType: "A", headers: { tenant: "t-1" } });
      const second = new Event({ eventType: "B", headers: first.headers });
      expect(second.headers).toEqual({ tenant: "t-1" });
      expect(Event.fromJSON({ event_type: "C" }, first.headers).headers).toEqual({ tenant: "t-1" });
    });

    it("accepts up to 64 headers and 8 KiB of JSON", () => {
      expect(Object.keys(withRaw(many(MAX_HEADERS)).headers)).toHaveLength(MAX_HEADERS);
      // {"big":"…"} is 10 bytes around the value.
      const exact = { big: "x".repeat(MAX_HEADERS_BYTES - 10) };
      expect(Buffer.byteLength(JSON.stringify(exact))).toBe(MAX_HEADERS_BYTES);
      expect(withRaw(exact).headers).toEqual(exact);
    });
  });

  describe("rules", () => {
    it.each([
      ["an upper-case letter", "Correlation-Id", 'such as "correlation-id"'],
      ["a space", "tenant id", 'such as "tenant-id"'],
      ["a leading dash", "-tenant", 'such as "tenant"'],
      ["a leading dot", ".tenant", 'such as "tenant"'],
      ["a leading underscore", "__proto__", 'such as "proto__"'],
      ["a colon", "x:y", 'such as "x-y"'],
      ["a non-ASCII letter", "café", 'such as "caf-"'],
      ["nothing at all", "", "starting with a letter or digit"],
    ])("rejects a name with %s, naming the header and a name that would do", (_, name, hint) => {
      const headers = JSON.parse(JSON.stringify({ [name]: "v" })) as Record<string, string>;
      const error = validationError(() => withRaw(headers));
      expect(paths(error)).toEqual([["headers", name]]);
      expect(error.message).toContain(`${JSON.stringify(name)} is not a valid header name`);
      expect(error.message).toContain(hint);
    });

    it.each([
      ["a number", 1, "`1` (number)"],
      ["a boolean", true, "`true` (boolean)"],
      ["null", null, "`null`"],
      ["undefined", undefined, "`undefined`"],
      ["an object", { a: "b" }, '`{"a":"b"}` (object)'],
      ["an array", ["a"], '`["a"]` (array)'],
    ])("rejects %s as a value, naming the header and what it got", (_, value, shown) => {
      const error = validationError(() => withRaw({ tenant: value }));
      expect(paths(error)).toEqual([["headers", "tenant"]]);
      expect(error.message).toBe(`Invalid event: headers.tenant: must be a string, got ${shown}`);
    });

    it("names every bad header in one error", () => {
      const error = validationError(() => withRaw({ Bad: "v", good: "v", n: 1 }));
      expect(paths(error)).toEqual([
        ["headers", "Bad"],
        ["headers", "n"],
      ]);
    });

    it("rejects more than 64 headers, saying how many and the limit", () => {
      const error = validationError(() => withRaw(many(MAX_HEADERS + 1)));
      expect(paths(error)).toEqual([["headers"]]);
      expect(error.message).toBe(
        "Invalid event: headers: has 65 headers; the limit is 64 (MAX_HEADERS)",
      );
    });

    it("rejects more than 8 KiB of JSON, naming the largest header", () => {
      const error = validationError(() =>
        // {"small":"x","big":"…"} is 22 bytes around the value; "é" is 2 bytes.
        withRaw({ small: "x", big: `${"x".repeat(MAX_HEADERS_BYTES - 23)}é` }),
      );
      expect(paths(error)).toEqual([["headers"]]);
      expect(error.message).toMatch(
        /^Invalid event: headers: is 8193 bytes as JSON; the limit is 8192 bytes \(MAX_HEADERS_BYTES\); the largest is "big" \(8171 bytes\)$/,
      );
    });

    it("counts the size in UTF-8 bytes of the JSON, escapes included", () => {
      // Each control character is 6 bytes escaped (\u0001), with 8 around the value: 1,364 of
      // them fit in 8 KiB, 1,365 do not.
      expect(() => withRaw({ c: "\u0001".repeat(1_364) })).not.toThrow();
      expect(() => withRaw({ c: "\u0001".repeat(1_365) })).toThrow(/8198 bytes as JSON/);
    });

    it.each([
      ["an array", ["a"], "array"],
      ["a string", "a=b", "string"],
      ["null", null, "null"],
      ["a Map", new Map([["a", "b"]]), "Map instance"],
      ["a class instance", new (class Meta {})(), "Meta instance"],
    ])("rejects %s as the headers, saying what it got", (_, headers, kind) => {
      const error = validationError(() => withRaw(headers));
      expect(paths(error)).toEqual([["headers"]]);
      expect(error.message).toBe(
        `Invalid event: headers: must be an object of strings, got ${kind}`,
      );
    });

    it("accepts any string as a value: empty, Unicode, control characters, lone surrogates", () => {
      const headers = { a: "", b: "Ada 🎉 Lovelace", c: "line\nbreak\u0000", d: "\ud800" };
      expect(withRaw(headers).headers).toEqual(headers);
    });

    it("accepts the reserved names, which NecroStack gives a meaning to", () => {
      const headers = Object.fromEntries(Object.values(HEADER).map((name) => [name, "v"]));
      expect(Object.keys(withRaw(headers).headers).sort()).toEqual([
        "attempt",
        "causation-id",
        "correlation-id",
        "hop",
        "not-before",
        "schema-version",
        "traceparent",
        "tracestate",
      ]);
    });
  });

  describe("withHeaders", () => {
    const base = new Event({
      eventType: "ORDER_PLACED",
      payload: { orderId: "o-1" },
      timestamp: "2024-01-15T10:30:45.123Z",
      headers: { tenant: "t-1", "schema-version": "1" },
    });

    it("returns a copy with the same id, timestamp, type and payload", () => {
      const copy = base.withHeaders({ "schema-version": "2" });
      expect(copy).not.toBe(base);
      expect(copy.id).toBe(base.id);
      expect(copy.timestampMs).toBe(base.timestampMs);
      expect(copy.eventType).toBe("ORDER_PLACED");
      expect(copy.payload).toBe(base.payload);
      expect(copy.equals(base)).toBe(true);
    });

    it("keeps the same id when the id was not read before", () => {
      const event = new Event("A");
      const copy = event.withHeaders({ a: "1" });
      expect(copy.id).toBe(event.id);
    });

    it("sets and replaces the headers named, keeps the others and leaves the original alone", () => {
      const copy = base.withHeaders({ "schema-version": "2", [HEADER.TRACEPARENT]: "00-ab-cd-01" });
      expect(copy.headers).toEqual({
        tenant: "t-1",
        "schema-version": "2",
        traceparent: "00-ab-cd-01",
      });
      expect(base.headers).toEqual({ tenant: "t-1", "schema-version": "1" });
      expect(Object.isFrozen(copy.headers)).toBe(true);
    });

    it("removes a header given as undefined", () => {
      expect(base.withHeaders({ tenant: undefined }).headers).toEqual({ "schema-version": "1" });
      expect(base.withHeaders({ tenant: undefined, "schema-version": undefined }).headers).toBe(
        EMPTY_HEADERS,
      );
    });

    it("checks the changes and the result by the same rules, naming the header", () => {
      const bad = validationError(() => base.withHeaders({ Tenant: "t-2" }));
      expect(paths(bad)).toEqual([["headers", "Tenant"]]);
      const notString = validationError(() => base.withHeaders({ n: 1 as unknown as string }));
      expect(paths(notString)).toEqual([["headers", "n"]]);
      const full = new Event({ eventType: "A", headers: many(MAX_HEADERS) });
      expect(() => full.withHeaders({ "one-more": "x" })).toThrow(/has 65 headers/);
      expect(full.withHeaders({ h0: undefined, "one-more": "x" }).headers["one-more"]).toBe("x");
    });

    it("keeps the event's type parameters", () => {
      const typed = new Event("ORDER_PLACED", { orderId: "o-1" }).withHeaders({ a: "1" });
      expect(typed.payload.orderId).toBe("o-1");
    });
  });

  describe("wire forms", () => {
    const event = new Event({
      eventType: "ORDER_PLACED",
      id: ID,
      timestamp: "2024-01-15T10:30:45.123Z",
      payload: { n: 1 },
      headers: { "correlation-id": ID, hop: "2" },
    });

    it("leaves toJSON() the four wire fields, without the headers", () => {
      expect(event.toJSON()).toEqual({
        id: ID,
        timestamp: "2024-01-15T10:30:45.123Z",
        event_type: "ORDER_PLACED",
        payload: { n: 1 },
      });
      expect(JSON.stringify(event)).not.toContain("headers");
    });

    it("gives the wire form and the headers apart from toWire()", () => {
      expect(event.toWire()).toEqual({
        event: event.toJSON(),
        headers: { "correlation-id": ID, hop: "2" },
      });
      expect(new Event("A").toWire().headers).toEqual({});
    });

    it("reads headers back in fromJSON, as an object or as JSON text", () => {
      const { event: json, headers } = event.toWire();
      for (const given of [headers, JSON.stringify(headers)]) {
        const back = Event.fromJSON(json, given);
        expect(back.headers).toEqual(headers);
        expect(back.equals(event)).toBe(true);
      }
      expect(Event.fromJSON(JSON.stringify(json)).headers).toBe(EMPTY_HEADERS);
    });

    it("rejects headers text that is not JSON, not an object, or breaks a rule, naming it", () => {
      const json = event.toJSON();
      const cases: [string, RegExp, PropertyKey[]][] = [
        ["{not json", /^Invalid event: headers: is not valid JSON: /, ["headers"]],
        ["[]", /headers: must be a JSON object of strings, got array$/, ["headers"]],
        ['"text"', /headers: must be a JSON object of strings, got string$/, ["headers"]],
        ["null", /headers: must be a JSON object of strings, got null$/, ["headers"]],
        ['{"Hop":"1"}', /headers\.Hop: "Hop" is not a valid header name/, ["headers", "Hop"]],
        ['{"hop":1}', /headers\.hop: must be a string, got `1` \(number\)$/, ["headers", "hop"]],
        [
          JSON.stringify({ big: "x".repeat(MAX_HEADERS_BYTES) }),
          /headers: is 8202 bytes as JSON; the limit is 8192 bytes/,
          ["headers"],
        ],
        [
          " ".repeat(6 * MAX_HEADERS_BYTES + 1),
          /headers: is 49153 characters as JSON; the limit is 8192 bytes/,
          ["headers"],
        ],
      ];
      for (const [text, message, path] of cases) {
        const error = validationError(() => Event.fromJSON(json, text));
        expect(error.message).toMatch(message);
        expect(paths(error)).toEqual([path]);
      }
    });

    it("names bad headers and bad wire fields in one error", () => {
      const error = validationError(() =>
        Event.fromJSON({ event_type: "", payload: {} }, { Bad: "v" }),
      );
      expect(paths(error)).toEqual([["event_type"], ["headers", "Bad"]]);
    });

    it("shows the headers when inspected, only when there are some", async () => {
      const { inspect } = await import("node:util");
      expect(inspect(event)).toMatch(
        /headers: \{\s+'correlation-id': '3f2b8c1e-[^']+',\s+hop: '2'/,
      );
      expect(inspect(new Event("A"))).not.toContain("headers");
    });
  });

  describe("as a property", () => {
    const name = fc
      .tuple(
        fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789"),
        fc.string({ unit: fc.constantFrom(..."abcxyz019._-"), maxLength: 20 }),
      )
      .map(([first, rest]) => first + rest);
    const headers = fc.dictionary(name, fc.string({ unit: "binary", maxLength: 60 }), {
      maxKeys: 20,
    });

    it("round-trips any valid headers through toWire and fromJSON, as an object and as text", () => {
      fc.assert(
        fc.property(headers, (given) => {
          const event = new Event({ eventType: "A", payload: { n: 1 }, headers: given });
          const wire = event.toWire();
          for (const back of [
            Event.fromJSON(wire.event, wire.headers),
            Event.fromJSON(JSON.stringify(wire.event), JSON.stringify(wire.headers)),
          ]) {
            expect(back.headers).toEqual(given);
            expect(Object.keys(back.headers)).toEqual(Object.keys(given));
            expect(back.equals(event)).toBe(true);
          }
          expect(Object.keys(wire.event).sort()).toEqual([
            "event_type",
            "id",
            "payload",
            "timestamp",
          ]);
        }),
      );
    });
  });
});
