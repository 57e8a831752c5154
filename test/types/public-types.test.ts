/**
 * The public types, checked by the compiler (`npm run typecheck`); at run time these tests only
 * confirm the file loads. A wrong type fails the type check, and each `@ts-expect-error` fails it
 * when the misuse below it stops being an error.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  type Backend,
  type BackendHealth,
  type BackendUnavailableError,
  type EnqueueError,
  EnqueueFailureMode,
  Event,
  type EventInit,
  type EventJSON,
  type EventValidationError,
  type FailedEvent,
  type HandlerError,
  type HandlerFailureMode,
  type HandlerResult,
  type InMemoryBackend,
  type JsonObject,
  type JsonValue,
  type MaxStepsExceededError,
  type NecroStackError,
  Organ,
  type RunOptions,
  type Spine,
  type SpineOptions,
  type SpineStats,
  type ValidationIssue,
} from "../../src/index.js";

type IsAny<T> = 0 extends 1 & T ? true : false;
/** True when T is `any`, or a function taking or returning `any`. */
type HasAny<T> =
  IsAny<T> extends true
    ? true
    : T extends (...args: infer A) => infer R
      ? true extends IsAny<R> | { [K in keyof A]: IsAny<A[K]> }[number]
        ? true
        : false
      : false;
/** The keys of T whose type is or uses `any`; `never` when there are none. */
type KeysWithAny<T> = { [K in keyof T]-?: HasAny<T[K]> extends true ? K : never }[keyof T];

type OrderPlaced = Event<"ORDER_PLACED", { orderId: string; total: number }>;

class Billing extends Organ<OrderPlaced> {
  readonly listensTo = ["ORDER_PLACED"] as const;
  handle(event: OrderPlaced) {
    return new Event("INVOICED", { orderId: event.payload.orderId });
  }
}

describe("public types", () => {
  it("types an event's type and payload", () => {
    const event = new Event("ORDER_PLACED", { orderId: "o-1", total: 5 });
    expectTypeOf(event).toEqualTypeOf<Event<"ORDER_PLACED", { orderId: string; total: number }>>();
    expectTypeOf(event.eventType).toEqualTypeOf<"ORDER_PLACED">();
    expectTypeOf(event.payload.total).toEqualTypeOf<number>();
    expectTypeOf(event.payload).toEqualTypeOf<Readonly<{ orderId: string; total: number }>>();
    expectTypeOf(event.id).toEqualTypeOf<string>();
    expectTypeOf(event.timestamp).toEqualTypeOf<Date>();
    expectTypeOf(event.toJSON()).toEqualTypeOf<EventJSON>();
    expectTypeOf(Event.fromJSON).returns.toEqualTypeOf<Event>();
    expectTypeOf(Event.fromJSON).parameter(0).toEqualTypeOf<string | object>();
  });

  it("defaults to any string type and any JSON object payload", () => {
    expectTypeOf<Event>().toEqualTypeOf<Event<string, JsonObject>>();
    expectTypeOf<Event["payload"]>().toEqualTypeOf<Readonly<JsonObject>>();
    expectTypeOf<JsonObject[string]>().toEqualTypeOf<JsonValue>();
  });

  it("accepts only JSON payloads", () => {
    // Never called: these throw at run time; here only the compiler's verdict matters.
    const misuses = () => [
      // @ts-expect-error a Date is not JSON
      new Event("A", { at: new Date() }),
      // @ts-expect-error a function is not JSON
      new Event("A", { f: () => 1 }),
      // @ts-expect-error undefined is not JSON
      new Event("A", { u: undefined as undefined }),
    ];
    expectTypeOf(misuses).toBeFunction();
    expectTypeOf<EventInit<"A", { n: number }>>().toEqualTypeOf<{
      eventType: "A";
      payload?: { n: number };
      id?: string;
      timestamp?: Date | string | number;
      headers?: Readonly<Record<string, string>>;
    }>();
  });

  it("types an organ's listensTo and handle by the events it takes", () => {
    expectTypeOf<Organ<OrderPlaced>["listensTo"]>().toEqualTypeOf<readonly "ORDER_PLACED"[]>();
    expectTypeOf<Organ<OrderPlaced>["handle"]>().parameter(0).toEqualTypeOf<OrderPlaced>();
    expectTypeOf(new Billing().name).toEqualTypeOf<string>();
    class Wrong extends Organ<OrderPlaced> {
      // @ts-expect-error "ORDER_SHIPPED" is not a type this organ takes
      readonly listensTo = ["ORDER_SHIPPED"] as const;
      handle(_event: OrderPlaced) {}
    }
    expectTypeOf<Wrong["handle"]>().toBeFunction();
  });

  it("lets a handler return an event, a list of events, or nothing, sync or async", () => {
    expectTypeOf<HandlerResult>().toEqualTypeOf<
      // biome-ignore lint/suspicious/noConfusingVoidType: void is part of the public type.
      Event | readonly Event[] | null | undefined | void
    >();
    expectTypeOf<Organ["handle"]>().returns.toEqualTypeOf<HandlerResult | Promise<HandlerResult>>();
  });

  it("exposes the failure modes as constants whose values are their lower-case strings", () => {
    expectTypeOf(EnqueueFailureMode.STORE).toEqualTypeOf<"store">();
    expectTypeOf<EnqueueFailureMode>().toEqualTypeOf<"fail" | "retry" | "store">();
    expectTypeOf<HandlerFailureMode>().toEqualTypeOf<"log" | "store" | "nack">();
    expectTypeOf<SpineOptions["enqueueFailureMode"]>().toEqualTypeOf<
      EnqueueFailureMode | undefined
    >();
    // @ts-expect-error only the listed modes are accepted
    const bad: SpineOptions["handlerFailureMode"] = "retry";
    void bad;
  });

  it("types the Spine's results and stats", () => {
    expectTypeOf<Spine["run"]>().returns.toEqualTypeOf<Promise<SpineStats>>();
    expectTypeOf<Spine["run"]>().parameter(0).toEqualTypeOf<Event | readonly Event[] | undefined>();
    expectTypeOf<Spine["run"]>().parameter(1).toEqualTypeOf<RunOptions | undefined>();
    expectTypeOf<SpineStats["handlerErrors"]>().toEqualTypeOf<Readonly<Record<string, number>>>();
    expectTypeOf<SpineStats["eventsProcessed"]>().toEqualTypeOf<number>();
    expectTypeOf<FailedEvent["stage"]>().toEqualTypeOf<"enqueue" | "handler" | "loop" | "schema">();
    expectTypeOf<FailedEvent["error"]>().toEqualTypeOf<unknown>();
    expectTypeOf<Spine["getEnqueueFailureCount"]>()
      .parameter(0)
      .toEqualTypeOf<string | undefined>();
    expectTypeOf<Spine["getEnqueueFailureCount"]>().returns.toEqualTypeOf<number>();
    expectTypeOf<RunOptions["until"]>().toEqualTypeOf<"idle" | "stopped" | undefined>();
  });

  it("types the errors' structured fields", () => {
    expectTypeOf<EventValidationError["issues"]>().toEqualTypeOf<readonly ValidationIssue[]>();
    expectTypeOf<ValidationIssue>().toEqualTypeOf<{
      readonly message: string;
      readonly path: readonly PropertyKey[];
    }>();
    expectTypeOf<EnqueueError>().toMatchTypeOf<NecroStackError>();
    expectTypeOf<MaxStepsExceededError["maxSteps"]>().toEqualTypeOf<number>();
    expectTypeOf<BackendUnavailableError["failures"]>().toEqualTypeOf<number>();
    expectTypeOf<HandlerError["organ"]>().toEqualTypeOf<string>();
  });

  it("lets InMemoryBackend stand for a Backend", () => {
    expectTypeOf<InMemoryBackend>().toMatchTypeOf<Backend>();
    expectTypeOf<Backend["pull"]>().returns.toEqualTypeOf<Promise<Event | null>>();
    expectTypeOf<NonNullable<Backend["health"]>>().returns.toEqualTypeOf<Promise<BackendHealth>>();
  });

  it("lets no `any` leak from the public classes and types", () => {
    expectTypeOf<KeysWithAny<Event>>().toBeNever();
    expectTypeOf<KeysWithAny<typeof Event>>().toBeNever();
    expectTypeOf<KeysWithAny<Organ>>().toBeNever();
    expectTypeOf<KeysWithAny<Spine>>().toBeNever();
    expectTypeOf<KeysWithAny<SpineOptions>>().toBeNever();
    expectTypeOf<KeysWithAny<SpineStats>>().toBeNever();
    expectTypeOf<KeysWithAny<RunOptions>>().toBeNever();
    expectTypeOf<KeysWithAny<FailedEvent>>().toBeNever();
    expectTypeOf<KeysWithAny<Backend>>().toBeNever();
    expectTypeOf<KeysWithAny<BackendHealth>>().toBeNever();
    expectTypeOf<KeysWithAny<InMemoryBackend>>().toBeNever();
    expectTypeOf<KeysWithAny<EventJSON>>().toBeNever();
    expectTypeOf<KeysWithAny<EventInit>>().toBeNever();
    expectTypeOf<KeysWithAny<EventValidationError>>().toBeNever();
    expectTypeOf<KeysWithAny<EnqueueError>>().toBeNever();
    expectTypeOf<KeysWithAny<BackendUnavailableError>>().toBeNever();
    expectTypeOf<KeysWithAny<HandlerError>>().toBeNever();
    expectTypeOf<KeysWithAny<typeof EnqueueFailureMode>>().toBeNever();
    expectTypeOf<KeysWithAny<typeof HandlerFailureMode>>().toBeNever();
    expectTypeOf<IsAny<HandlerResult>>().toEqualTypeOf<false>();
    expectTypeOf<IsAny<JsonValue>>().toEqualTypeOf<false>();
  });

  it("detects `any` when it is there", () => {
    // biome-ignore lint/suspicious/noExplicitAny: the point is to show `any` is caught.
    type Leaky = { a: number; b: any; c: (x: any) => void };
    expectTypeOf<KeysWithAny<Leaky>>().toEqualTypeOf<"b" | "c">();
  });
});
