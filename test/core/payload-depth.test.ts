import { describe, expect, it } from "vitest";
import {
  Event,
  EventValidationError,
  type JsonObject,
  type JsonValue,
  MAX_PAYLOAD_DEPTH,
} from "../../src/index.js";

/** `{"a":{"a":...{"a":1}}}`: an object `levels` levels deep, counting itself. */
function nested(levels: number): JsonObject {
  let value: JsonObject = { a: 1 };
  for (let level = 1; level < levels; level++) value = { a: value };
  return value;
}

/** The same nesting as wire text, never built as objects: `'{"a":'.repeat(n) + "1" + "}".repeat(n)`. */
function nestedText(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

function validationError(fn: () => unknown): EventValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(EventValidationError);
    return error as EventValidationError;
  }
  throw new Error("expected an EventValidationError, but nothing was thrown");
}

describe("payload depth", () => {
  it("is limited to 256 levels, as common JSON parsers' defaults are", () => {
    expect(MAX_PAYLOAD_DEPTH).toBe(256);
  });

  it(`accepts a payload ${MAX_PAYLOAD_DEPTH} levels deep, counting the payload itself`, () => {
    const event = new Event("DEEP", nested(MAX_PAYLOAD_DEPTH));
    expect(JSON.stringify(event.payload)).toBe(nestedText(MAX_PAYLOAD_DEPTH));
  });

  it("rejects one level more, naming the path where the limit is passed", () => {
    const error = validationError(() => new Event("DEEP", nested(MAX_PAYLOAD_DEPTH + 1)));
    expect(error.issues).toHaveLength(1);
    const [issue] = error.issues;
    expect(issue?.path).toEqual(["payload", ...Array(MAX_PAYLOAD_DEPTH).fill("a")]);
    expect(issue?.message).toMatch(/nests deeper than 256 levels/);
  });

  it("counts arrays as levels too", () => {
    let value: JsonValue = [1];
    for (let level = 1; level < MAX_PAYLOAD_DEPTH; level++) value = [value];
    const error = validationError(() => new Event("DEEP", { list: value }));
    expect(error.issues[0]?.path).toEqual(["payload", "list", ...Array(255).fill(0)]);
  });

  it("keeps the message short, eliding the middle of the long path", () => {
    const error = validationError(() => new Event("DEEP", nested(MAX_PAYLOAD_DEPTH + 1)));
    expect(error.message).toBe(
      "Invalid event: payload.a.a.a.a.a…(248 more)….a.a.a: nests deeper than 256 levels of objects and arrays, the limit (MAX_PAYLOAD_DEPTH)",
    );
  });

  it("rejects 100,000 levels with an EventValidationError, not a stack overflow", () => {
    const error = validationError(() => new Event("DEEP", nested(100_000)));
    expect(error.message).toMatch(/nests deeper than 256 levels/);
  });

  it("rejects deep wire text in fromJSON, up to 100,000 levels", () => {
    for (const levels of [MAX_PAYLOAD_DEPTH + 1, 5_000, 100_000]) {
      const wire = `{"event_type":"DEEP","payload":${nestedText(levels)}}`;
      const error = validationError(() => Event.fromJSON(wire));
      expect(error.message).toMatch(/nests deeper than 256 levels/);
    }
  });

  it.each(["event_type", "id", "timestamp"])(
    "rejects a %s nested 100,000 levels deep as a wrong type, not with a stack overflow",
    (field) => {
      const wire = `{"event_type":"DEEP","${field}":${nestedText(100_000)}}`.replace(
        '"event_type":"DEEP","event_type"',
        '"event_type"',
      );
      const error = validationError(() => Event.fromJSON(wire));
      expect(error.issues.map((issue) => issue.path)).toEqual([[field]]);
    },
  );

  it("accepts wire text whose payload is exactly at the limit", () => {
    const wire = `{"event_type":"DEEP","payload":${nestedText(MAX_PAYLOAD_DEPTH)}}`;
    expect(JSON.stringify(Event.fromJSON(wire).payload)).toBe(nestedText(MAX_PAYLOAD_DEPTH));
  });

  it("counts the depth of another event's payload reused inside a new payload", () => {
    // A checked payload is shared, not walked again: its depth must still count, or nesting
    // payloads in payloads would build any depth one level at a time.
    const inner = new Event("INNER", nested(MAX_PAYLOAD_DEPTH)).payload;
    const error = validationError(() => new Event("OUTER", { wrapped: inner }));
    expect(error.issues[0]?.path).toEqual(["payload", "wrapped"]);
    expect(error.message).toMatch(/nests deeper than 256 levels/);
    const shallower = new Event("INNER", nested(MAX_PAYLOAD_DEPTH - 1)).payload;
    expect(new Event("OUTER", { wrapped: shallower }).payload.wrapped).toBe(shallower);
  });

  it("reports a deep branch next to the other issues of the same payload", () => {
    const error = validationError(
      () => new Event("DEEP", { deep: nested(MAX_PAYLOAD_DEPTH), bad: Number.NaN }),
    );
    expect(error.issues.map((issue) => issue.path[1])).toEqual(["deep", "bad"]);
  });
});
