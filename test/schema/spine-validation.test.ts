/**
 * The Spine with a catalog, in process, run once for each validator: what organs return is
 * validated before it is enqueued, what is pulled before its organs see it, and each failure
 * names what failed.
 */
import { describe, expect, it } from "vitest";
import {
  defineEvents,
  EmittedEventInvalidError,
  Event,
  type FailedEvent,
  InMemoryBackend,
  InvalidOptionError,
  organ,
  ReceivedEventInvalidError,
  Spine,
  type SpineOptions,
  UnknownEventTypeError,
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

const VALID = { orderId: "o-1", total: 12.5, items: [{ sku: "sku-1", qty: 2 }] };
const INVALID = { orderId: 7, total: "12.5", items: [{ sku: 3, qty: 2 }] };
const INVALID_PATHS = ["payload.orderId", "payload.total", "payload.items[0].sku"];

/** The issue paths of an error, as text. */
function pathsOf(error: unknown): string[] {
  const issues = (error as { issues: readonly { path: readonly PropertyKey[] }[] }).issues;
  return issues.map((i) =>
    i.path
      .map((k, n) => (typeof k === "number" ? `[${k}]` : n === 0 ? String(k) : `.${String(k)}`))
      .join(""),
  );
}

function only(failed: readonly FailedEvent[]): FailedEvent {
  expect(failed).toHaveLength(1);
  return failed[0] as FailedEvent;
}

describe.each(VALIDATORS)("Spine with a catalog of $name schemas", (lib) => {
  const catalog = defineEvents({
    ORDER_PLACED: lib.order,
    ORDER_NOTED: lib.note,
    ORDER_PAID: lib.paid,
  });

  it("enqueues an emitted event whose payload passes its schema, and its organ gets it", async () => {
    const seen: unknown[] = [];
    const s = spine({
      catalog,
      organs: [
        catalog.organ("Place", ["ORDER_NOTED"], () => catalog.event("ORDER_PLACED", VALID)),
        catalog.organ("Record", ["ORDER_PLACED"], (event) => {
          seen.push(event.payload);
        }),
      ],
    });
    const stats = await s.run(catalog.event("ORDER_NOTED", { note: "go" }));
    expect(seen).toEqual([VALID]);
    expect(stats.eventsProcessed).toBe(2);
    expect(s.failedEvents()).toEqual([]);
  });

  it("fails the organ that emits an invalid event, naming the organ, the type and every issue path; none of its events are enqueued", async () => {
    const reached: string[] = [];
    const s = spine({
      catalog,
      organs: [
        organ("Place", ["ORDER_NOTED"], () => [
          new Event("ORDER_NOTED", { note: "second" }),
          new Event("ORDER_PLACED", INVALID),
        ]),
        organ("Record", ["ORDER_PLACED"], (event) => {
          reached.push(event.eventType);
        }),
      ],
    });
    const start = new Event("ORDER_NOTED", { note: "first" });
    const stats = await s.run(start);
    expect(reached).toEqual([]);
    expect(stats.eventsProcessed).toBe(1);
    expect(stats.handlerErrors).toEqual({ Place: 1 });
    const failed = only(s.failedEvents());
    expect(failed.stage).toBe("handler");
    expect(failed.organ).toBe("Place");
    const error = failed.error as EmittedEventInvalidError;
    expect(error).toBeInstanceOf(EmittedEventInvalidError);
    expect(error.code).toBe("ERR_EMITTED_EVENT_INVALID");
    expect(error.organ).toBe("Place");
    expect(error.eventType).toBe("ORDER_NOTED");
    expect(error.emittedType).toBe("ORDER_PLACED");
    expect(pathsOf(error).sort()).toEqual([...INVALID_PATHS].sort());
    expect(error.message).toContain(`Organ Place failed on ORDER_NOTED (${start.id})`);
    expect(error.message).toContain("returned ORDER_PLACED whose payload fails its schema");
    for (const path of INVALID_PATHS) expect(error.message).toContain(`${path}: `);
  });

  it("does not hand organs a pulled event that fails its schema: it goes to the failed-event store with stage schema", async () => {
    let handled = 0;
    const s = spine({
      catalog,
      organs: [organ("Record", ["ORDER_PLACED"], () => void handled++)],
    });
    const bad = new Event("ORDER_PLACED", INVALID);
    const stats = await s.run(bad);
    expect(handled).toBe(0);
    expect(stats.handlerErrors).toEqual({});
    const failed = only(s.failedEvents());
    expect(failed.stage).toBe("schema");
    expect(failed.event).toBe(bad);
    const error = failed.error as ReceivedEventInvalidError;
    expect(error).toBeInstanceOf(ReceivedEventInvalidError);
    expect(error.code).toBe("ERR_RECEIVED_EVENT_INVALID");
    expect(error.eventId).toBe(bad.id);
    expect(pathsOf(error).sort()).toEqual([...INVALID_PATHS].sort());
    expect(error.message).toMatch(/^ORDER_PLACED \(.+\) fails its schema \(version 1\): /);
  });

  it("hands organs the schema's output: a default fills a field the event lacks", async () => {
    const seen: unknown[] = [];
    const s = spine({
      catalog,
      organs: [
        catalog.organ("Record", ["ORDER_PAID"], (event) => {
          seen.push(event.payload.currency);
        }),
      ],
    });
    const start = new Event("ORDER_PAID", { orderId: "o-1", amount: 3 });
    await s.run(start);
    expect(seen).toEqual(["EUR"]);
  });

  it("hands organs the pulled event itself when the schema's output equals its payload", async () => {
    const seen: Event[] = [];
    const s = spine({
      catalog,
      organs: [organ("Record", ["ORDER_PLACED"], (e) => void seen.push(e))],
    });
    const start = new Event("ORDER_PLACED", VALID);
    await s.run(start);
    expect(seen[0]).toBe(start);
  });

  it("validates with an asynchronous schema on both sides", async () => {
    const asyncCatalog = defineEvents({ ORDER_PLACED: lib.asyncOrder, ORDER_NOTED: lib.note });
    const seen: unknown[] = [];
    const s = spine({
      catalog: asyncCatalog,
      organs: [
        organ("Place", ["ORDER_NOTED"], (event) =>
          event.payload.note === "bad"
            ? new Event("ORDER_PLACED", INVALID)
            : new Event("ORDER_PLACED", VALID),
        ),
        organ("Record", ["ORDER_PLACED"], (event) => {
          seen.push(event.payload);
        }),
      ],
    });
    await s.run([
      new Event("ORDER_NOTED", { note: "good" }),
      new Event("ORDER_NOTED", { note: "bad" }),
      new Event("ORDER_PLACED", INVALID),
    ]);
    expect(seen).toEqual([VALID]);
    const failed = s.failedEvents();
    expect(failed.map((f) => f.stage).sort()).toEqual(["handler", "schema"]);
    for (const f of failed) expect(pathsOf(f.error).sort()).toEqual([...INVALID_PATHS].sort());
  });

  it("lets through events of types the catalog does not define", async () => {
    const seen: string[] = [];
    const s = spine({
      catalog,
      organs: [
        organ("Free", ["UNLISTED"], () => new Event("ALSO_UNLISTED", { anything: [1, "two"] })),
        organ("Last", ["ALSO_UNLISTED"], (event) => {
          seen.push(event.eventType);
        }),
      ],
    });
    await s.run(new Event("UNLISTED", { whatever: true }));
    expect(seen).toEqual(["ALSO_UNLISTED"]);
    expect(s.failedEvents()).toEqual([]);
  });

  it("with validate.emit off, enqueues an invalid event and refuses it when pulled", async () => {
    let handled = 0;
    const s = spine({
      catalog,
      validate: { emit: false },
      organs: [
        organ("Place", ["ORDER_NOTED"], () => new Event("ORDER_PLACED", INVALID)),
        organ("Record", ["ORDER_PLACED"], () => void handled++),
      ],
    });
    await s.run(new Event("ORDER_NOTED", { note: "go" }));
    expect(handled).toBe(0);
    expect(only(s.failedEvents()).stage).toBe("schema");
  });

  it("with validate.receive off, hands organs a pulled event that would fail", async () => {
    const seen: unknown[] = [];
    const s = spine({
      catalog,
      validate: { receive: false },
      organs: [organ("Record", ["ORDER_PLACED"], (event) => void seen.push(event.payload))],
    });
    await s.run(new Event("ORDER_PLACED", INVALID));
    expect(seen).toEqual([INVALID]);
    expect(s.failedEvents()).toEqual([]);
  });

  it("strict: refuses, when built, an organ that listens to a type the catalog does not define", () => {
    expect(() =>
      spine({ catalog, strict: true, organs: [organ("Free", ["UNLISTED"], () => undefined)] }),
    ).toThrow(UnknownEventTypeError);
    expect(() =>
      spine({ catalog, strict: true, organs: [organ("Free", ["UNLISTED"], () => undefined)] }),
    ).toThrow(/Organ Free listens to UNLISTED, which the catalog does not define/);
  });

  it("strict: fails an organ that emits a type the catalog does not define", async () => {
    const s = spine({
      catalog,
      strict: true,
      organs: [organ("Stray", ["ORDER_NOTED"], () => new Event("UNLISTED", {}))],
    });
    await s.run(new Event("ORDER_NOTED", { note: "go" }));
    const error = only(s.failedEvents()).error as EmittedEventInvalidError;
    expect(error).toBeInstanceOf(EmittedEventInvalidError);
    expect(error.message).toContain("returned UNLISTED of a type the catalog does not define");
  });
});

describe("Spine catalog options", () => {
  const catalog = defineEvents({
    A: VALIDATORS[0]?.note as NonNullable<(typeof VALIDATORS)[0]>["note"],
  });

  it("refuses validate or strict without a catalog", () => {
    expect(() => spine({ organs: [], validate: { emit: false } })).toThrow(InvalidOptionError);
    expect(() => spine({ organs: [], strict: true })).toThrow(/`strict`.*without a `catalog`/);
  });

  it("refuses a catalog that defineEvents did not make", () => {
    expect(() => spine({ organs: [], catalog: {} as never })).toThrow(
      /Expected `catalog` to be a catalog made by defineEvents\(\)/,
    );
  });

  it("refuses validate flags that are not booleans and a negative delay", () => {
    expect(() => spine({ organs: [], catalog, validate: { emit: "yes" as never } })).toThrow(
      /validate.emit/,
    );
    expect(() => spine({ organs: [], catalog, validate: { newerVersionDelayMs: -1 } })).toThrow(
      /validate.newerVersionDelayMs/,
    );
  });
});
