/**
 * The schema registry's behaviour, run against each store (in memory, Redis): publishing,
 * refusing with the breaking fields, no-op republishing, checking, modes, and two publishers
 * racing.
 */
import { expect, it } from "vitest";
import type { JsonSchema } from "../../src/core/registry/compatibility.js";
import { SchemaConflictError } from "../../src/core/registry/errors.js";
import { jsonSchemaDocument } from "../../src/core/registry/schema-document.js";
import { SchemaRegistry } from "../../src/core/registry/schema-registry.js";
import type { SchemaRegistryStore } from "../../src/core/registry/store.js";
import type { SchemaSubmission } from "../../src/core/registry/verdict.js";

/** A fresh, empty store per call. */
export type StoreFactory = () => SchemaRegistryStore;

export const ORDER_V1: JsonSchema = {
  type: "object",
  properties: {
    orderId: { type: "string" },
    total: { type: "number" },
    status: { enum: ["open", "paid", "void"] },
  },
  required: ["orderId", "total", "status"],
};

/** A mutable copy of the order schema to change in a test. */
interface OrderSchemaDraft {
  type: string;
  properties: Record<string, JsonSchema>;
  required: string[];
}

export function orderSchema(change: (schema: OrderSchemaDraft) => void = () => {}): JsonSchema {
  const schema = structuredClone(ORDER_V1) as unknown as OrderSchemaDraft;
  change(schema);
  return schema as unknown as JsonSchema;
}

export function submission(
  eventType: string,
  version: number,
  schema: JsonSchema,
): SchemaSubmission {
  return { eventType, version, document: jsonSchemaDocument(schema) };
}

async function refusal(promise: Promise<unknown>): Promise<SchemaConflictError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SchemaConflictError);
  return error as SchemaConflictError;
}

export function registrySpec(makeStore: StoreFactory): void {
  const registry = (store = makeStore()) => new SchemaRegistry(store, { now: () => new Date(0) });

  it("registers the first version of a type, and lists it", async () => {
    const r = registry();
    const report = await r.publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
    expect(report.verdicts.map((v) => v.outcome)).toEqual(["register"]);
    expect(await r.list()).toEqual([
      expect.objectContaining({
        eventType: "ORDER_PLACED",
        mode: "BACKWARD",
        defaultMode: true,
        versions: [1],
      }),
    ]);
    const stored = await r.get("ORDER_PLACED", 1);
    expect(stored).toMatchObject({ version: 1, registeredAt: "1970-01-01T00:00:00.000Z" });
    expect(stored?.document).toEqual(jsonSchemaDocument(ORDER_V1));
  });

  it("treats publishing the same version with the same schema again as a no-op", async () => {
    const store = makeStore();
    const r = registry(store);
    await r.publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
    const before = await store.read("ORDER_PLACED");
    const report = await r.publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
    expect(report.verdicts.map((v) => v.outcome)).toEqual(["unchanged"]);
    expect((await store.read("ORDER_PLACED")).revision).toBe(before.revision);
  });

  it("refuses the same version with another schema, writing nothing", async () => {
    const store = makeStore();
    const r = registry(store);
    await r.publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
    const changed = orderSchema((s) => {
      s.properties.total = { type: "string" };
    });
    const error = await refusal(r.publish([submission("ORDER_PLACED", 1, changed)]));
    expect(error.code).toBe("ERR_SCHEMA_CONFLICT");
    expect(error.conflicts[0]).toMatchObject({ reason: "version-mismatch", version: 1 });
    expect(error.message).toMatch(
      /ORDER_PLACED v1 is registered with another schema .* publish the change as v2/,
    );
    expect((await store.read("ORDER_PLACED")).versions).toHaveLength(1);
  });

  it("registers a compatible new version", async () => {
    const r = registry();
    await r.publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
    const v2 = orderSchema((s) => {
      s.properties.note = { type: "string" };
    });
    const report = await r.publish([submission("ORDER_PLACED", 2, v2)]);
    expect(report.verdicts[0]).toMatchObject({ outcome: "register", against: 1, mode: "BACKWARD" });
    expect((await r.type("ORDER_PLACED")).versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it("refuses an incompatible version with every field that breaks it", async () => {
    const r = registry();
    await r.publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
    const v2 = orderSchema((s) => {
      s.properties.total = { type: "string" };
      s.properties.status = { enum: ["open", "paid"] };
      s.properties.currency = { type: "string" };
      s.required.push("currency");
    });
    const error = await refusal(r.publish([submission("ORDER_PLACED", 2, v2)]));
    expect(error.issues.map((i) => [i.kind, i.path.join(".")])).toEqual([
      ["required-field-missing", "currency"],
      ["type-changed", "total"],
      ["enum-narrowed", "status"],
    ]);
    expect(error.issues[0]).toMatchObject({ eventType: "ORDER_PLACED", version: 2 });
    expect(error.message).toContain("ORDER_PLACED v2 is not BACKWARD compatible with v1:");
    expect(error.message).toContain("payload.total: type changed");
    expect(error.message).toContain(
      'payload.status: enum narrowed: the reader no longer accepts "void"',
    );
    expect((await r.type("ORDER_PLACED")).versions).toHaveLength(1);
  });

  it("refuses a removed required field under FORWARD, and registers it once the mode is NONE", async () => {
    const r = registry();
    await r.publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
    await r.setMode("ORDER_PLACED", "FORWARD");
    const v2 = orderSchema((s) => {
      delete s.properties.status;
      s.required = ["orderId", "total"];
    });
    const error = await refusal(r.publish([submission("ORDER_PLACED", 2, v2)]));
    expect(error.issues).toEqual([
      expect.objectContaining({
        kind: "required-field-missing",
        path: ["status"],
        message: "required field status was removed",
      }),
    ]);
    await r.setMode("ORDER_PLACED", "NONE");
    await r.publish([submission("ORDER_PLACED", 2, v2)]);
    expect(await r.list()).toEqual([
      expect.objectContaining({ mode: "NONE", defaultMode: false, versions: [1, 2] }),
    ]);
  });

  it("refuses a whole catalog when one type conflicts, registering none of it", async () => {
    const r = registry();
    await r.publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
    const broken = orderSchema((s) => {
      s.properties.total = { type: "boolean" };
    });
    await refusal(
      r.publish([submission("ORDER_PAID", 1, ORDER_V1), submission("ORDER_PLACED", 2, broken)]),
    );
    expect((await r.list()).map((t) => t.eventType)).toEqual(["ORDER_PLACED"]);
  });

  it("checks without writing: new, unchanged, behind and conflicting types", async () => {
    const store = makeStore();
    const r = registry(store);
    const v2 = orderSchema((s) => {
      s.properties.note = { type: "string" };
    });
    await r.publish([submission("A", 1, ORDER_V1), submission("B", 1, ORDER_V1)]);
    await r.publish([submission("B", 2, v2)]);
    const report = await r.check([
      submission("A", 1, ORDER_V1),
      submission("B", 1, ORDER_V1),
      submission("C", 1, ORDER_V1),
      submission(
        "A",
        2,
        orderSchema((s) => {
          s.properties.orderId = { type: "integer" };
        }),
      ),
    ]);
    expect(report.verdicts.map((v) => v.outcome)).toEqual([
      "unchanged",
      "behind",
      "register",
      "conflict",
    ]);
    expect(report.conflicts).toEqual([
      expect.objectContaining({ eventType: "A", reason: "incompatible" }),
    ]);
    expect(await store.types()).toEqual(["A", "B"]);
  });

  it("refuses a version older than the latest that was never registered", async () => {
    const r = registry();
    await r.publish([submission("A", 3, ORDER_V1)]);
    const error = await refusal(r.publish([submission("A", 2, ORDER_V1)]));
    expect(error.conflicts[0]?.reason).toBe("older-unregistered");
  });

  it("registers an opaque schema first, then refuses another version unless the mode is NONE", async () => {
    const r = registry();
    const opaque = (fingerprint: string): SchemaSubmission => ({
      eventType: "RAW",
      version: 1,
      document: { kind: "opaque", vendor: "custom", fingerprint },
    });
    await r.publish([opaque("f1")]);
    expect((await r.publish([opaque("f1")])).verdicts[0]?.outcome).toBe("unchanged");
    await refusal(r.publish([{ ...opaque("f1"), version: 2 }]));
    const mismatch = await refusal(r.publish([opaque("f2")]));
    expect(mismatch.conflicts[0]?.reason).toBe("version-mismatch");
    const unchecked = await refusal(r.publish([{ ...opaque("f2"), version: 2 }]));
    expect(unchecked.message).toMatch(
      /cannot be checked .* has no JSON Schema. Set the type's mode to NONE/,
    );
    await r.setMode("RAW", "NONE");
    await r.publish([{ ...opaque("f2"), version: 2 }]);
    expect((await r.type("RAW")).versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it("lets only one of two processes racing to publish incompatible versions win", async () => {
    // Two registries on one storage, as two processes: each checks against v1 and then writes.
    const store = makeStore();
    await registry(store).publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
    const a = orderSchema((s) => {
      s.properties.note = { type: "string" };
    });
    const b = orderSchema((s) => {
      s.properties.note = { type: "integer" };
    });
    const results = await Promise.allSettled([
      registry(store).publish([submission("ORDER_PLACED", 2, a)]),
      registry(store).publish([submission("ORDER_PLACED", 2, b)]),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected");
    expect((lost as PromiseRejectedResult).reason).toBeInstanceOf(SchemaConflictError);
    expect((await store.read("ORDER_PLACED")).versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it("never lets a write based on a stale revision through", async () => {
    const store = makeStore();
    const record = await store.read("X");
    expect(record).toEqual({ eventType: "X", mode: undefined, versions: [], revision: 0 });
    expect(await store.write("X", 0, { mode: "FULL" })).toBe(true);
    expect(await store.write("X", 0, { mode: "NONE" })).toBe(false);
    expect(await store.read("X")).toMatchObject({ mode: "FULL", revision: 1 });
  });
}
