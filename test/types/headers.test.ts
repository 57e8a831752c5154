/**
 * The types of event headers, checked by the compiler (`npm run typecheck`); at run time these
 * tests only confirm the file loads. Each `@ts-expect-error` fails the type check when the misuse
 * below it stops being an error.
 */
import { describe, expectTypeOf, it } from "vitest";
import type { EventWire } from "../../src/core/event.js";
import {
  EMPTY_HEADERS,
  type EventHeaders,
  HEADER,
  type ReservedHeaderName,
} from "../../src/core/headers.js";
import { Event, type EventInit, type EventJSON } from "../../src/index.js";

type IsAny<T> = 0 extends 1 & T ? true : false;

describe("event header types", () => {
  it("types headers as a read-only record of strings", () => {
    expectTypeOf<EventHeaders>().toEqualTypeOf<Readonly<Record<string, string>>>();
    expectTypeOf(new Event("A").headers).toEqualTypeOf<EventHeaders>();
    expectTypeOf(EMPTY_HEADERS).toEqualTypeOf<EventHeaders>();
    expectTypeOf<EventInit["headers"]>().toEqualTypeOf<EventHeaders | undefined>();
    const misuse = (event: Event) => {
      // @ts-expect-error headers are read-only
      event.headers.tenant = "t-1";
      // @ts-expect-error header values are strings
      new Event({ eventType: "A", headers: { hop: 1 } });
    };
    expectTypeOf(misuse).toBeFunction();
  });

  it("keeps an event's type and payload types through withHeaders", () => {
    const event = new Event("ORDER_PLACED", { orderId: "o-1" });
    expectTypeOf(event.withHeaders({ tenant: "t-1" })).toEqualTypeOf<
      Event<"ORDER_PLACED", { orderId: string }>
    >();
    expectTypeOf(event.withHeaders)
      .parameter(0)
      .toEqualTypeOf<Readonly<Record<string, string | undefined>>>();
    // @ts-expect-error a header value is a string, or undefined to remove it
    const misuse = () => event.withHeaders({ hop: 2 });
    expectTypeOf(misuse).toBeFunction();
  });

  it("types the transport form and what fromJSON takes back", () => {
    expectTypeOf(new Event("A").toWire()).toEqualTypeOf<EventWire>();
    expectTypeOf<EventWire>().toEqualTypeOf<{
      readonly event: EventJSON;
      readonly headers: EventHeaders;
    }>();
    expectTypeOf(Event.fromJSON).parameter(1).toEqualTypeOf<EventHeaders | string | undefined>();
    expectTypeOf<IsAny<ReturnType<typeof Event.fromJSON>>>().toEqualTypeOf<false>();
    // @ts-expect-error headers are an object or its JSON text
    const misuse = () => Event.fromJSON("{}", 42);
    expectTypeOf(misuse).toBeFunction();
  });

  it("names the reserved headers as literal types", () => {
    expectTypeOf(HEADER.CORRELATION_ID).toEqualTypeOf<"correlation-id">();
    expectTypeOf(HEADER.HOP).toEqualTypeOf<"hop">();
    expectTypeOf<ReservedHeaderName>().toEqualTypeOf<
      | "correlation-id"
      | "causation-id"
      | "hop"
      | "traceparent"
      | "tracestate"
      | "attempt"
      | "not-before"
      | "schema-version"
    >();
  });
});
