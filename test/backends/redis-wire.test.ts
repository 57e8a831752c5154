import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEntry, encodeEvent } from "../../src/backends/redis/wire.js";
import { Event, type JsonObject } from "../../src/index.js";

describe("The Redis wire format", () => {
  it("writes an event's JSON exactly as JSON.stringify(event.toJSON()), for any type and payload", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.dictionary(fc.string(), fc.jsonValue()),
        (type, payload) => {
          let event: Event;
          try {
            event = new Event(type, payload as JsonObject);
          } catch {
            return true;
          }
          expect(encodeEvent(event)).toBe(JSON.stringify(event.toJSON()));
          return true;
        },
      ),
    );
  });

  it("reads back what it writes", () => {
    const event = new Event({ eventType: 'quote " type', payload: { text: "line\nbreak \u2028" } });
    const back = decodeEntry({ event: encodeEvent(event) });
    expect(back instanceof Event && back.equals(event)).toBe(true);
  });
});
