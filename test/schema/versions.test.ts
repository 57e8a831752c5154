/**
 * Versions in process, run once for each validator: older events upcast step by step before
 * their organs see them, emitted events stamped with their version, and events the catalog
 * cannot read (a newer version, a broken upcaster, a header that is no version) kept aside.
 */
import { describe, expect, it } from "vitest";
import {
  defineEvents,
  EmittedEventInvalidError,
  Event,
  type FailedEvent,
  HEADER,
  InMemoryBackend,
  type JsonObject,
  NewerSchemaVersionError,
  organ,
  ReceivedEventInvalidError,
  Spine,
  type SpineOptions,
} from "../../src/index.js";
import { VALIDATORS } from "./validators.js";

function spine(options: Omit<SpineOptions, "backend">): Spine {
  return new Spine({
    backend: new InMemoryBackend(),
    logger: false,
    handlerFailureMode: "store",
    ...options,
  });
}

function only(failed: readonly FailedEvent[]): FailedEvent {
  expect(failed).toHaveLength(1);
  return failed[0] as FailedEvent;
}

describe.each(VALIDATORS)("Schema versions with $name schemas", (lib) => {
  const steps: string[] = [];
  // v1 { orderId, amount (euros) } -> v2 adds currency -> v3 has amountCents.
  const catalog = defineEvents({
    ORDER_PAID: {
      schema: lib.paidCents,
      version: 3,
      upcast: {
        1: (v1) => {
          steps.push("1->2");
          return { ...v1, currency: "EUR" };
        },
        2: ({ amount, ...v2 }) => {
          steps.push("2->3");
          return { ...v2, amountCents: Math.round((amount as number) * 100) };
        },
      },
    },
    ORDER_NOTED: lib.note,
  });

  function recorder(): { organ: ReturnType<typeof organ>; seen: Event[] } {
    const seen: Event[] = [];
    return { organ: organ("Record", ["ORDER_PAID"], (event) => void seen.push(event)), seen };
  }

  it("upcasts an event with no schema-version (version 1) step by step, 1 -> 2 -> 3, before its organ sees it", async () => {
    steps.length = 0;
    const { organ: record, seen } = recorder();
    const s = spine({ catalog, organs: [record] });
    const v1 = new Event("ORDER_PAID", { orderId: "o-1", amount: 12.5 });
    await s.run(v1);
    expect(steps).toEqual(["1->2", "2->3"]);
    expect(seen).toHaveLength(1);
    const got = seen[0] as Event;
    expect(got.payload).toEqual({ orderId: "o-1", amountCents: 1250, currency: "EUR" });
    expect(got.id).toBe(v1.id);
    expect(got.timestampMs).toBe(v1.timestampMs);
    expect(got.headers[HEADER.SCHEMA_VERSION]).toBe("3");
  });

  it("upcasts a version 2 event with the last step only", async () => {
    steps.length = 0;
    const { organ: record, seen } = recorder();
    const s = spine({ catalog, organs: [record] });
    await s.run(
      new Event({
        eventType: "ORDER_PAID",
        payload: { orderId: "o-2", amount: 1, currency: "USD" },
        headers: { [HEADER.SCHEMA_VERSION]: "2", "trace-me": "yes" },
      }),
    );
    expect(steps).toEqual(["2->3"]);
    expect(seen[0]?.payload).toEqual({ orderId: "o-2", amountCents: 100, currency: "USD" });
    expect(seen[0]?.headers["trace-me"]).toBe("yes");
  });

  it("hands over a current-version event as it is", async () => {
    steps.length = 0;
    const { organ: record, seen } = recorder();
    const s = spine({ catalog, organs: [record], validate: { receive: false } });
    const v3 = catalog.event("ORDER_PAID", { orderId: "o-3", amountCents: 5, currency: "EUR" });
    await s.run(v3);
    expect(steps).toEqual([]);
    expect(seen[0]).toBe(v3);
  });

  it("validates the upcast payload: an old event the upcasters cannot bring to a valid one is refused", async () => {
    const { organ: record, seen } = recorder();
    const s = spine({ catalog, organs: [record] });
    await s.run(new Event("ORDER_PAID", { orderId: "o-1", amount: "twelve" }));
    expect(seen).toEqual([]);
    const failed = only(s.failedEvents());
    expect(failed.stage).toBe("schema");
    const error = failed.error as ReceivedEventInvalidError;
    expect(error).toBeInstanceOf(ReceivedEventInvalidError);
    expect(error.version).toBe(1);
    expect(error.message).toContain("fails its schema (version 3, upcast from version 1)");
    expect(error.issues.map((i) => i.path.join("."))).toEqual(["payload.amountCents"]);
  });

  it("stamps an event an organ emits of a versioned type with its version", async () => {
    const { organ: record, seen } = recorder();
    const s = spine({
      catalog,
      organs: [
        organ("Pay", ["ORDER_NOTED"], () => [
          new Event("ORDER_PAID", { orderId: "o-1", amountCents: 1, currency: "EUR" }),
          catalog.event("ORDER_PAID", { orderId: "o-2", amountCents: 2, currency: "EUR" }),
        ]),
        record,
      ],
    });
    await s.run(new Event("ORDER_NOTED", { note: "pay" }));
    expect(seen.map((e) => e.headers[HEADER.SCHEMA_VERSION])).toEqual(["3", "3"]);
    expect(seen.map((e) => e.payload.orderId)).toEqual(["o-1", "o-2"]);
    expect(s.failedEvents()).toEqual([]);
  });

  it("fails an organ that emits a versioned type with another version's header", async () => {
    const s = spine({
      catalog,
      organs: [
        organ(
          "Pay",
          ["ORDER_NOTED"],
          () =>
            new Event({
              eventType: "ORDER_PAID",
              payload: { orderId: "o-1", amount: 1 },
              headers: { [HEADER.SCHEMA_VERSION]: "1" },
            }),
        ),
      ],
    });
    await s.run(new Event("ORDER_NOTED", { note: "pay" }));
    const error = only(s.failedEvents()).error as EmittedEventInvalidError;
    expect(error).toBeInstanceOf(EmittedEventInvalidError);
    expect(error.message).toContain('returned ORDER_PAID with schema-version "1"');
    expect(error.issues[0]?.path).toEqual(["headers", "schema-version"]);
  });

  it("keeps aside (in process) an event of a newer version than the catalog knows, naming the version it knows", async () => {
    const { organ: record, seen } = recorder();
    const s = spine({ catalog, organs: [record] });
    await s.run(
      new Event({
        eventType: "ORDER_PAID",
        payload: { orderId: "o-4" },
        headers: { [HEADER.SCHEMA_VERSION]: "4" },
      }),
    );
    expect(seen).toEqual([]);
    const failed = only(s.failedEvents());
    expect(failed.stage).toBe("schema");
    const error = failed.error as NewerSchemaVersionError;
    expect(error).toBeInstanceOf(NewerSchemaVersionError);
    expect(error.version).toBe(4);
    expect(error.knownVersion).toBe(3);
    expect(error.message).toContain(
      "has schema-version 4; this worker's catalog knows ORDER_PAID up to version 3",
    );
  });

  it("refuses an event whose schema-version header is not a version", async () => {
    const s = spine({ catalog, organs: [recorder().organ] });
    await s.run(
      new Event({
        eventType: "ORDER_PAID",
        payload: {},
        headers: { [HEADER.SCHEMA_VERSION]: "2.5" },
      }),
    );
    const error = only(s.failedEvents()).error as ReceivedEventInvalidError;
    expect(error.message).toContain('must be a positive integer, got "2.5"');
  });
});

describe("Upcasters that fail", () => {
  const note = VALIDATORS[0]?.note as NonNullable<(typeof VALIDATORS)[0]>["note"];

  it("refuses an event whose upcaster throws, naming the step", async () => {
    const catalog = defineEvents({
      NOTE: {
        schema: note,
        version: 2,
        upcast: {
          1: (): JsonObject => {
            throw new Error("no note to carry over");
          },
        },
      },
    });
    const s = spine({ catalog, organs: [organ("Read", ["NOTE"], () => undefined)] });
    await s.run(new Event("NOTE", {}));
    const failed = only(s.failedEvents());
    expect(failed.stage).toBe("schema");
    expect((failed.error as Error).message).toContain(
      "could not be upcast from version 1 to 2: payload: the upcaster threw: no note to carry over",
    );
  });

  it("upcasts even with validate.receive off", async () => {
    const catalog = defineEvents({
      NOTE: { schema: note, version: 2, upcast: { 1: (v1) => ({ note: String(v1.text) }) } },
    });
    const seen: unknown[] = [];
    const s = spine({
      catalog,
      validate: { receive: false },
      organs: [organ("Read", ["NOTE"], (event) => void seen.push(event.payload))],
    });
    await s.run(new Event("NOTE", { text: "hi" }));
    expect(seen).toEqual([{ note: "hi" }]);
  });
});
