/**
 * The catalog's types, checked by the compiler (`npm run typecheck`): events and organs typed by
 * the schemas' output types, with zod, valibot and arktype schemas. Each `@ts-expect-error`
 * fails the check when the misuse below it stops being an error. At run time the classes are
 * only defined.
 */
import { type } from "arktype";
import * as v from "valibot";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { InMemoryBackend } from "../../src/backends/in-memory.js";
import { type Catalog, defineEvents, type EventsOf } from "../../src/core/catalog/catalog.js";
import { CatalogDefinitionError } from "../../src/core/catalog/errors.js";
import type { CatalogOrgan } from "../../src/core/catalog/typed-organ.js";
import type { CatalogResult, PayloadOf } from "../../src/core/catalog/types.js";
import { Event } from "../../src/core/event.js";
import type { FunctionOrgan } from "../../src/core/function-organ.js";
import type { HandlerContext } from "../../src/core/handler.js";
import type { Organ } from "../../src/core/organ.js";
import { Spine } from "../../src/core/spine.js";

type IsAny<T> = 0 extends 1 & T ? true : false;

const catalog = defineEvents({
  ORDER_PLACED: z.object({ orderId: z.string(), total: z.number(), note: z.string().optional() }),
  ORDER_PAID: {
    schema: v.object({ orderId: v.string(), amount: v.number(), currency: v.string() }),
    version: 2,
    upcast: { 1: (v1) => ({ ...v1, currency: "EUR" }) },
  },
  ORDER_SHIPPED: type({ orderId: "string", carrier: "'ups' | 'dhl'" }),
});
type Shop = EventsOf<typeof catalog>;
type Defs = typeof catalog extends Catalog<infer D> ? D : never;

describe("defineEvents", () => {
  it("returns a catalog of exactly the defined types", () => {
    expectTypeOf<keyof Shop>().toEqualTypeOf<"ORDER_PLACED" | "ORDER_PAID" | "ORDER_SHIPPED">();
    expectTypeOf(catalog).toExtend<Catalog>();
  });

  it("types each payload by its schema's output type", () => {
    expectTypeOf<PayloadOf<Defs, "ORDER_PAID">>().toEqualTypeOf<{
      orderId: string;
      amount: number;
      currency: string;
    }>();
    expectTypeOf<Shop["ORDER_PLACED"]["payload"]["note"]>().toEqualTypeOf<string | undefined>();
  });

  it("gives an upcaster the older payload as JSON and wants JSON back", () => {
    defineEvents({
      A: {
        schema: z.object({ n: z.number() }),
        version: 2,
        upcast: {
          1: (old) => {
            expectTypeOf(old).toEqualTypeOf<import("../../src/core/json.js").JsonObject>();
            return { n: 1 };
          },
        },
      },
    });
    defineEvents({
      // @ts-expect-error an upcaster returns a payload object
      A: { schema: z.object({ n: z.number() }), version: 2, upcast: { 1: () => 3 } },
    });
  });

  it("takes only Standard Schemas", () => {
    // @ts-expect-error a plain object is not a schema
    expect(() => defineEvents({ A: { n: "number" } })).toThrow(CatalogDefinitionError);
  });
});

describe("catalog.event", () => {
  it("types the payload by the schema's output type, for zod, valibot and arktype", () => {
    const placed = catalog.event("ORDER_PLACED", { orderId: "o-1", total: 3 });
    expectTypeOf(placed.eventType).toEqualTypeOf<"ORDER_PLACED">();
    expectTypeOf(placed.payload.orderId).toEqualTypeOf<string>();
    expectTypeOf(placed.payload.total).toEqualTypeOf<number>();
    const paid = catalog.event("ORDER_PAID", { orderId: "o-1", amount: 3, currency: "EUR" });
    expectTypeOf(paid.payload.currency).toEqualTypeOf<string>();
    const shipped = catalog.event("ORDER_SHIPPED", { orderId: "o-1", carrier: "dhl" });
    expectTypeOf(shipped.payload.carrier).toEqualTypeOf<"ups" | "dhl">();
    expectTypeOf<IsAny<typeof shipped.payload>>().toEqualTypeOf<false>();
  });

  it("returns an Event of the catalog", () => {
    const placed = catalog.event("ORDER_PLACED", { orderId: "o", total: 1 });
    expectTypeOf(placed).toExtend<Event>();
    expectTypeOf(placed).toEqualTypeOf<Shop["ORDER_PLACED"]>();
  });

  it("refuses a type the catalog does not define", () => {
    // @ts-expect-error not a catalog type
    expect(() => catalog.event("ORDER_LOST", { orderId: "o-1" })).toThrow(/ORDER_LOST/);
  });

  it("refuses a payload that does not match the schema's output type", () => {
    // @ts-expect-error total is a number
    catalog.event("ORDER_PLACED", { orderId: "o-1", total: "3" });
    // @ts-expect-error currency is required in version 2
    catalog.event("ORDER_PAID", { orderId: "o-1", amount: 3 });
    // @ts-expect-error carrier is "ups" | "dhl"
    catalog.event("ORDER_SHIPPED", { orderId: "o-1", carrier: "fedex" });
  });
});

describe("catalog.Organ", () => {
  it("makes a class whose listensTo is set and whose handle takes the listened type's event", () => {
    class TakePayment extends catalog.Organ("ORDER_PLACED") {
      handle(event: Shop["ORDER_PLACED"]) {
        expectTypeOf(event.payload.total).toEqualTypeOf<number>();
        return catalog.event("ORDER_PAID", {
          orderId: event.payload.orderId,
          amount: event.payload.total,
          currency: "EUR",
        });
      }
    }
    const organ = new TakePayment();
    expectTypeOf(organ.listensTo).toEqualTypeOf<readonly "ORDER_PLACED"[]>();
    expectTypeOf(organ).toExtend<Organ>();
    expectTypeOf(organ).toExtend<CatalogOrgan<Defs, "ORDER_PLACED">>();
    new Spine({ organs: [organ], backend: new InMemoryBackend(), catalog });
  });

  it("types an organ of several types with the union of their events", () => {
    class Audit extends catalog.Organ("ORDER_PLACED", "ORDER_SHIPPED") {
      handle(event: Shop["ORDER_PLACED" | "ORDER_SHIPPED"]): undefined {
        if (event.eventType === "ORDER_SHIPPED") {
          expectTypeOf(event.payload.carrier).toEqualTypeOf<"ups" | "dhl">();
        }
        return undefined;
      }
    }
    expectTypeOf(new Audit().listensTo).toEqualTypeOf<
      readonly ("ORDER_PLACED" | "ORDER_SHIPPED")[]
    >();
  });

  it("takes the handler context as the second parameter", () => {
    class WithContext extends catalog.Organ("ORDER_PAID") {
      handle(_event: Shop["ORDER_PAID"], ctx?: HandlerContext) {
        expectTypeOf(ctx?.attempt).toEqualTypeOf<number | undefined>();
      }
    }
    expectTypeOf(new WithContext().handle).parameter(1).toEqualTypeOf<HandlerContext | undefined>();
  });

  it("refuses an event type the catalog does not define", () => {
    // @ts-expect-error not a catalog type
    expect(() => catalog.Organ("ORDER_LOST")).toThrow(/ORDER_LOST/);
  });

  it("refuses a handle that takes another type's event", () => {
    class Wrong extends catalog.Organ("ORDER_PLACED") {
      // @ts-expect-error ORDER_PLACED's organ cannot take ORDER_PAID events
      handle(_event: Shop["ORDER_PAID"]) {}
    }
    void Wrong;
  });

  it("refuses a handle that returns an event not in the catalog", () => {
    class Stray extends catalog.Organ("ORDER_PLACED") {
      // @ts-expect-error ORDER_LOST is not a catalog event
      handle(_event: Shop["ORDER_PLACED"]) {
        return new Event("ORDER_LOST", { orderId: "o" });
      }
    }
    void Stray;
  });

  it("refuses a handle that returns a catalog type with the wrong payload", () => {
    class Stray extends catalog.Organ("ORDER_PLACED") {
      // @ts-expect-error ORDER_PAID needs a currency
      handle(event: Shop["ORDER_PLACED"]) {
        return new Event("ORDER_PAID", { orderId: event.payload.orderId, amount: 1 });
      }
    }
    void Stray;
  });

  it("accepts arrays, nothing and promises of catalog events", () => {
    class Many extends catalog.Organ("ORDER_PLACED") {
      async handle(event: Shop["ORDER_PLACED"]) {
        return [
          catalog.event("ORDER_SHIPPED", { orderId: event.payload.orderId, carrier: "ups" }),
          new Event("ORDER_PAID", { orderId: "o", amount: 1, currency: "EUR" }),
        ];
      }
    }
    expectTypeOf(new Many().handle).returns.toExtend<Promise<CatalogResult<Defs>>>();
  });
});

describe("catalog.organ", () => {
  it("types the handler's event with no annotation", () => {
    const takePayment = catalog.organ("TakePayment", ["ORDER_PLACED"], (event, ctx) => {
      expectTypeOf(event).toEqualTypeOf<Shop["ORDER_PLACED"]>();
      expectTypeOf(ctx).toEqualTypeOf<HandlerContext>();
      return catalog.event("ORDER_PAID", {
        orderId: event.payload.orderId,
        amount: event.payload.total,
        currency: "EUR",
      });
    });
    expectTypeOf(takePayment).toEqualTypeOf<FunctionOrgan<Shop["ORDER_PLACED"]>>();
  });

  it("refuses a handler that returns an event not in the catalog", () => {
    // @ts-expect-error ORDER_LOST is not a catalog event
    catalog.organ("Stray", ["ORDER_PLACED"], () => new Event("ORDER_LOST", {}));
  });

  it("refuses a type the catalog does not define", () => {
    // @ts-expect-error not a catalog type
    expect(() => catalog.organ("Lost", ["ORDER_LOST"], () => undefined)).toThrow(/ORDER_LOST/);
  });
});
