import { afterEach, describe, expect, it } from "vitest";
import { SchemaRegistry } from "../../src/core/registry/schema-registry.js";
import { PostgresBackend, PostgresSchemaRegistryStore } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { uniqueStream } from "../postgres/support.js";
import { ORDER_V1, orderSchema, registrySpec, submission } from "./registry-spec.js";

describePostgres("PostgresSchemaRegistryStore", () => {
  const pg = usePrivatePostgres();
  const stores: PostgresSchemaRegistryStore[] = [];
  const open = (stream = uniqueStream("reg")): PostgresSchemaRegistryStore => {
    const store = new PostgresSchemaRegistryStore({ url: pg.server.url, stream });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  describe("as the registry's store", () => {
    registrySpec(() => open());
  });

  it("is what a PostgresBackend offers, on the backend's own connection, and keeps each version as a row", async () => {
    const stream = uniqueStream("orders");
    const backend = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    try {
      expect(backend.schemaRegistry()).toBe(backend.schemaRegistry());
      await SchemaRegistry.of(backend).publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
      await SchemaRegistry.of(backend).setMode("ORDER_PLACED", "FULL");
      const { rows: types } = await pg.pool.query(
        `SELECT event_type, mode, revision FROM necrostack.${stream}_schema_types`,
      );
      expect(types).toEqual([{ event_type: "ORDER_PLACED", mode: "FULL", revision: 2 }]);
      const { rows: versions } = await pg.pool.query(
        `SELECT version, entry FROM necrostack.${stream}_schemas`,
      );
      expect(versions).toEqual([
        {
          version: 1,
          entry: expect.objectContaining({
            eventType: "ORDER_PLACED",
            document: expect.objectContaining({ kind: "json-schema", jsonSchema: ORDER_V1 }),
          }),
        },
      ]);
      // Another process's store on the same stream sees it; another stream does not.
      expect(await open(stream).types()).toEqual(["ORDER_PLACED"]);
      expect(await open().types()).toEqual([]);
    } finally {
      await backend.close();
    }
  });

  it("registers exactly one of many racing publishers of incompatible versions, on separate connections", async () => {
    const stream = uniqueStream("race");
    await new SchemaRegistry(open(stream)).publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
    const kinds = ["string", "integer", "boolean", "array", "object", "null"];
    const results = await Promise.allSettled(
      kinds.map((kind) =>
        new SchemaRegistry(open(stream)).publish([
          submission(
            "ORDER_PLACED",
            2,
            orderSchema((s) => {
              s.properties.note = { type: kind };
            }),
          ),
        ]),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected")
        expect(result.reason).toMatchObject({ code: "ERR_SCHEMA_CONFLICT" });
    }
    const versions = (await open(stream).read("ORDER_PLACED")).versions;
    expect(versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it("registers exactly one of many racing first publishers of a new type", async () => {
    const stream = uniqueStream("first");
    await open(stream).types(); // creates the tables
    const kinds = ["string", "integer", "boolean", "array"];
    const results = await Promise.allSettled(
      kinds.map((kind) =>
        new SchemaRegistry(open(stream)).publish([
          submission(
            "NEW_TYPE",
            1,
            orderSchema((s) => {
              s.properties.note = { type: kind };
            }),
          ),
        ]),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const record = await open(stream).read("NEW_TYPE");
    expect(record.versions.map((v) => v.version)).toEqual([1]);
    expect(record.revision).toBe(1);
  });

  it("fails with PostgresOperationError naming the registry, the password masked, when PostgreSQL is unreachable", async () => {
    const store = new PostgresSchemaRegistryStore({ url: "postgres://app:hunter2@127.0.0.1:1/db" });
    stores.push(store);
    const error = await store.types().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "PostgresOperationError", code: "ERR_POSTGRES" });
    expect((error as Error).message).toContain("schema registry list on necrostack.events_schemas");
    expect((error as Error).message).not.toContain("hunter2");
  });
});
