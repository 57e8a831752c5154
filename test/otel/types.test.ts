import { describe, expectTypeOf, it } from "vitest";
import type { Event, Middleware, SpineObserver } from "../../src/index.js";
import { createTracing, type Tracing, type TracingOptions } from "../../src/otel.js";

describe("necrostack/otel types", () => {
  it("gives a middleware and an observer the Spine takes", () => {
    expectTypeOf(createTracing).returns.resolves.toEqualTypeOf<Tracing>();
    expectTypeOf<Tracing["middleware"]>().toEqualTypeOf<Middleware>();
    expectTypeOf<Tracing["observer"]>().toEqualTypeOf<SpineObserver>();
  });

  it("keeps an event's type through inject()", () => {
    type Placed = Event<"ORDER_PLACED", { orderId: string }>;
    type Inject = Tracing["inject"];
    expectTypeOf<Inject>().toBeCallableWith({} as Placed);
    expectTypeOf<Inject>().toBeCallableWith([] as Placed[]);
    const one = (inject: Inject, event: Placed) => inject(event);
    const many = (inject: Inject, events: Placed[]) => inject(events);
    expectTypeOf(one).returns.toEqualTypeOf<Placed>();
    expectTypeOf(many).returns.toEqualTypeOf<Placed[]>();
  });

  it("takes only strings for the names and an OpenTelemetry provider and propagator", () => {
    expectTypeOf<TracingOptions["destination"]>().toEqualTypeOf<string | undefined>();
    // @ts-expect-error: a number is not a destination
    const bad: TracingOptions = { destination: 1 };
    void bad;
  });
});
