import { describe, expect, it } from "vitest";
import { InMemoryBackend } from "../../src/backends/in-memory.js";
import { SchemaConflictError } from "../../src/core/registry/errors.js";
import { SchemaRegistry } from "../../src/core/registry/schema-registry.js";
import { InMemorySchemaRegistryStore } from "../../src/core/registry/store.js";
import { ORDER_V1, orderSchema, registrySpec, submission } from "./registry-spec.js";

describe("SchemaRegistry on the in-memory store", () => {
  registrySpec(() => new InMemorySchemaRegistryStore());
});

describe("SchemaRegistry on an InMemoryBackend's store", () => {
  registrySpec(() => new InMemoryBackend().schemaRegistry());
});

/** A store where another "process" writes the type between every read and write of ours. */
class ContendedStore extends InMemorySchemaRegistryStore {
  contended = 0;
  constructor(readonly rounds: number) {
    super();
  }
  override async read(eventType: string) {
    const record = await super.read(eventType);
    if (this.contended < this.rounds) {
      this.contended++;
      await super.write(eventType, record.revision, {});
    }
    return record;
  }
}

describe("SchemaRegistry under contention", () => {
  it("reads, checks and writes again when the record moved under it", async () => {
    const store = new ContendedStore(3);
    const registry = new SchemaRegistry(store);
    await registry.publish([submission("A", 1, ORDER_V1)]);
    expect((await store.read("A")).versions.map((v) => v.version)).toEqual([1]);
  });

  it("gives up with SchemaRegistryBusyError after maxAttempts", async () => {
    const registry = new SchemaRegistry(new ContendedStore(100), { maxAttempts: 3 });
    await expect(registry.publish([submission("A", 1, ORDER_V1)])).rejects.toMatchObject({
      name: "SchemaRegistryBusyError",
      code: "ERR_SCHEMA_REGISTRY_BUSY",
      attempts: 3,
    });
  });
});

describe("resolveSchemaRegistryOptions", () => {
  it.each([
    [
      { defaultMode: "LOOSE" },
      /Expected `defaultMode` to be BACKWARD, FORWARD, FULL or NONE, got `LOOSE` \(string\)/,
    ],
    [{ maxAttempts: 0 }, /Expected `maxAttempts` to be a positive integer, got `0` \(number\)/],
  ])("rejects %j, naming the option", (options, message) => {
    expect(() => new SchemaRegistry(new InMemorySchemaRegistryStore(), options as never)).toThrow(
      message,
    );
  });
});

describe("SchemaRegistry refusals an upcaster bridges", () => {
  const v2 = orderSchema((s) => {
    s.properties.currency = { type: "string" };
    s.required.push("currency");
  });

  it("still refuses them, and says how to register the change when NecroStack workers are the only readers", async () => {
    const registry = new SchemaRegistry(new InMemorySchemaRegistryStore());
    await registry.publish([submission("ORDER_PAID", 1, ORDER_V1)]);
    const error = await registry
      .publish([{ ...submission("ORDER_PAID", 2, v2), upcastFrom: [1] }])
      .catch((e: unknown) => e as SchemaConflictError);
    expect(error).toBeInstanceOf(SchemaConflictError);
    expect((error as SchemaConflictError).message).toContain(
      "The catalog's upcaster from v1 bridges the backward issues for NecroStack workers; if no other reader consumes these events, set the type's mode to NONE to register it.",
    );
  });

  it("suggests FORWARD under FULL when only backward issues stand in the way", async () => {
    const registry = new SchemaRegistry(new InMemorySchemaRegistryStore());
    await registry.publish([submission("ORDER_PAID", 1, ORDER_V1)]);
    await registry.setMode("ORDER_PAID", "FULL");
    const report = await registry.check([{ ...submission("ORDER_PAID", 2, v2), upcastFrom: [1] }]);
    expect(report.conflicts[0]?.message).toContain("set the type's mode to FORWARD");
  });

  it("gives no such hint without an upcaster from the latest version", async () => {
    const registry = new SchemaRegistry(new InMemorySchemaRegistryStore());
    await registry.publish([submission("ORDER_PAID", 1, ORDER_V1)]);
    const report = await registry.check([submission("ORDER_PAID", 2, v2)]);
    expect(report.conflicts[0]?.message).not.toContain("upcaster");
  });
});

describe("SchemaRegistry.of(backend)", () => {
  it("uses the store the backend offers, the same one every time", async () => {
    const backend = new InMemoryBackend();
    await SchemaRegistry.of(backend).publish([submission("A", 1, ORDER_V1)]);
    expect((await SchemaRegistry.of(backend).list()).map((t) => t.eventType)).toEqual(["A"]);
  });

  it("refuses a backend that offers none, saying what to do instead", () => {
    const { schemaRegistry: _, ...bare } = new InMemoryBackend();
    expect(() => SchemaRegistry.of(bare as InMemoryBackend)).toThrow(
      /Expected `backend` to be a backend that offers a schema registry store .*new SchemaRegistry\(store\)/,
    );
  });
});
