/**
 * The types of the handler decorators and of `organ()`, checked by the compiler (`npm run
 * typecheck`): a wrong type fails the check, and each `@ts-expect-error` fails it when the
 * misuse below it stops being an error. At run time the classes are only defined.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  decorators,
  type EventOf,
  type HandlerDecorator,
  type OnDecorator,
  on,
  organsOf,
  retry,
  timeout,
  use,
} from "../../src/core/decorators.js";
import { Event } from "../../src/core/event.js";
import { type FunctionOrgan, organ } from "../../src/core/function-organ.js";
import type { HandlerContext, Middleware } from "../../src/core/handler.js";
import type { Organ } from "../../src/core/organ.js";
import type { RetryPolicy } from "../../src/core/retry-policy-types.js";

type IsAny<T> = 0 extends 1 & T ? true : false;

type Shop = {
  ORDER_PLACED: { orderId: string; total: number };
  ORDER_AMENDED: { orderId: string; lines: number };
  ORDER_CANCELLED: { orderId: string };
};
type Placed = Event<"ORDER_PLACED", Shop["ORDER_PLACED"]>;
type Amended = Event<"ORDER_AMENDED", Shop["ORDER_AMENDED"]>;

const typed = decorators<Shop>();
const passThrough: Middleware = (next) => next;

describe("@on (untyped)", () => {
  it("accepts a method whose event parameter takes every listed type", () => {
    class Orders {
      @on("ORDER_PLACED")
      one(_event: Event<"ORDER_PLACED">) {}

      @on("ORDER_PLACED", "ORDER_AMENDED")
      both(_event: Event<"ORDER_PLACED" | "ORDER_AMENDED">, _ctx: HandlerContext) {}

      @on("ORDER_PLACED")
      anyEvent(_event: Event) {}

      @on("ORDER_PLACED")
      withPayload(event: Placed) {
        return new Event("INVOICE_SENT", { orderId: event.payload.orderId });
      }

      @on("ORDER_PLACED")
      async returnsLater(_event: Event): Promise<Event[]> {
        return [];
      }

      @on("ORDER_PLACED")
      takesNothing() {}
    }
    expectTypeOf(new Orders()).toBeObject();
  });

  it("rejects a method that cannot take every listed type", () => {
    class Orders {
      // @ts-expect-error ORDER_AMENDED events would reach a method that takes ORDER_PLACED only
      @on("ORDER_PLACED", "ORDER_AMENDED")
      narrow(_event: Event<"ORDER_PLACED">) {}

      // @ts-expect-error the method takes another type
      @on("ORDER_PLACED")
      other(_event: Event<"ORDER_CANCELLED">) {}

      // @ts-expect-error the parameter is not an event
      @on("ORDER_PLACED")
      notAnEvent(_event: string) {}
    }
    expectTypeOf(Orders).toBeConstructibleWith();
  });

  it("rejects a method that returns something other than events", () => {
    class Orders {
      // @ts-expect-error a handler returns events, or nothing
      @on("ORDER_PLACED")
      count(_event: Event) {
        return 1;
      }
    }
    expectTypeOf(Orders).toBeConstructibleWith();
  });

  it("needs at least one event type, each a string", () => {
    // Never called: these throw when the class is defined; here only the compiler's verdict matters.
    const misuses = () =>
      class {
        // @ts-expect-error at least one type
        @on()
        none(_event: Event) {}

        // @ts-expect-error types are strings
        @on(42)
        numeric(_event: Event) {}
      };
    expectTypeOf(misuses).toBeFunction();
  });

  it("goes on instance methods only", () => {
    // Never called, as above.
    const misplaced = () => [
      // biome-ignore lint/complexity/noStaticOnlyClass: the static method is the misuse tested.
      class {
        // @ts-expect-error a handler runs on an instance
        @on("A")
        static handle(_event: Event) {}
      },
      class {
        // @ts-expect-error not a method
        @on("A")
        field = 1;
      },
      class {
        // @ts-expect-error not a method
        @on("A")
        get value() {
          return 1;
        }
      },
    ];
    expectTypeOf(misplaced).returns.toBeArray();
  });

  it("returns an OnDecorator for the listed types", () => {
    expectTypeOf(on("A", "B")).toEqualTypeOf<OnDecorator<"A" | "B">>();
  });
});

describe("decorators<M>()", () => {
  it("types the event of each listed type by the map, as a union the method can narrow", () => {
    expectTypeOf<EventOf<Shop, "ORDER_PLACED" | "ORDER_AMENDED">>().toEqualTypeOf<
      Placed | Amended
    >();
    class Orders {
      @typed.on("ORDER_PLACED", "ORDER_AMENDED")
      record(event: Placed | Amended) {
        if (event.eventType === "ORDER_AMENDED") {
          expectTypeOf(event.payload.lines).toEqualTypeOf<number>();
        } else {
          expectTypeOf(event.payload.total).toEqualTypeOf<number>();
        }
      }

      @typed.on("ORDER_CANCELLED")
      cancel(_event: Event<"ORDER_CANCELLED", { orderId: string }>) {}

      @typed.on("ORDER_PLACED")
      anyEvent(_event: Event) {}
    }
    expectTypeOf(new Orders()).toBeObject();
  });

  it("rejects a payload type that does not match the map", () => {
    class Orders {
      // @ts-expect-error orderId is a string in the map
      @typed.on("ORDER_PLACED")
      wrongPayload(_event: Event<"ORDER_PLACED", { orderId: number }>) {}

      // @ts-expect-error the method does not take ORDER_AMENDED's event
      @typed.on("ORDER_PLACED", "ORDER_AMENDED")
      missingOne(_event: Placed) {}
    }
    expectTypeOf(Orders).toBeConstructibleWith();
  });

  it("accepts only the map's event types", () => {
    class Orders {
      // @ts-expect-error not in the map
      @typed.on("ORDER_SHIPPED")
      shipped(_event: Event) {}
    }
    expectTypeOf(Orders).toBeConstructibleWith();
  });

  it("rejects a map whose payloads are not JSON", () => {
    // @ts-expect-error a Date is not JSON
    decorators<{ A: { at: Date } }>();
  });

  it("shares retry, timeout and use with the untyped decorators", () => {
    expectTypeOf(typed.retry).toEqualTypeOf(retry);
    expectTypeOf(typed.timeout).toEqualTypeOf(timeout);
    expectTypeOf(typed.use).toEqualTypeOf(use);
  });
});

describe("@retry, @timeout and @use", () => {
  it("take a policy, milliseconds and middleware", () => {
    expectTypeOf(retry).parameter(0).toEqualTypeOf<RetryPolicy>();
    expectTypeOf(timeout).parameter(0).toEqualTypeOf<number>();
    expectTypeOf(use).parameters.toEqualTypeOf<Middleware[]>();
    expectTypeOf(retry({ attempts: 2 })).toEqualTypeOf<HandlerDecorator>();
    class Orders {
      @retry({ attempts: 3, backoff: { initialMs: 10, jitter: "none" } })
      @timeout(1_000)
      @use(passThrough, passThrough)
      @on("ORDER_PLACED")
      place(_event: Event) {}

      // @ts-expect-error a handler method takes an event
      @timeout(5)
      notAHandler(_value: string) {}
    }
    expectTypeOf(Orders).toBeConstructibleWith();
  });

  it("reject a retry policy of the wrong shape", () => {
    // @ts-expect-error attempts is a number
    retry({ attempts: "3" });
    // @ts-expect-error jitter is "full" or "none"
    retry({ attempts: 3, backoff: { jitter: "some" } });
  });
});

describe("organsOf", () => {
  it("takes any object and returns organs, or undefined", () => {
    expectTypeOf(organsOf).parameter(0).toEqualTypeOf<object>();
    expectTypeOf(organsOf).returns.toEqualTypeOf<readonly Organ[] | undefined>();
  });
});

describe("organ()", () => {
  it("types the event by the listed types", () => {
    const built = organ("Billing", ["ORDER_PLACED", "ORDER_AMENDED"], (event, ctx) => {
      expectTypeOf(event.eventType).toEqualTypeOf<"ORDER_PLACED" | "ORDER_AMENDED">();
      expectTypeOf(ctx).toEqualTypeOf<HandlerContext>();
    });
    expectTypeOf(built).toEqualTypeOf<FunctionOrgan<Event<"ORDER_PLACED" | "ORDER_AMENDED">>>();
    expectTypeOf(built).toExtend<Organ>();
    expectTypeOf(built.listensTo).toEqualTypeOf<readonly ("ORDER_PLACED" | "ORDER_AMENDED")[]>();
  });

  it("types the event by a handler that declares it, and checks listensTo against it", () => {
    const built = organ("Billing", ["ORDER_PLACED"], (event: Placed) => {
      expectTypeOf(event.payload.total).toEqualTypeOf<number>();
    });
    expectTypeOf(built).toEqualTypeOf<FunctionOrgan<Placed>>();
    // @ts-expect-error the handler takes ORDER_PLACED events only
    organ("Billing", ["ORDER_AMENDED"], (_event: Placed) => {});
  });

  it("exposes its settings for the Spine to read, none of them any", () => {
    const built = organ("A", ["A"], () => {});
    expectTypeOf(built.retry).toEqualTypeOf<RetryPolicy | undefined>();
    expectTypeOf(built.timeoutMs).toEqualTypeOf<number | undefined>();
    expectTypeOf(built.middleware).toEqualTypeOf<readonly Middleware[] | undefined>();
    expectTypeOf<IsAny<Parameters<typeof built.handle>[0]>>().toEqualTypeOf<false>();
  });

  it("rejects a handler that returns something other than events", () => {
    // @ts-expect-error a handler returns events, or nothing
    organ("A", ["A"], () => 42);
  });
});
