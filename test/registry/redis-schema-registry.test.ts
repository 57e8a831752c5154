import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { RedisSchemaRegistryStore } from "../../src/backends/redis/schema-registry.js";
import { SchemaRegistry } from "../../src/core/registry/schema-registry.js";
import { RedisBackend } from "../../src/redis.js";
import { waitUntil } from "../fixtures/worker-process.js";
import { rawClient, usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { ORDER_V1, orderSchema, registrySpec, submission } from "./registry-spec.js";

describeRedis("RedisSchemaRegistryStore", () => {
  const redis = usePrivateRedis();
  const stores: RedisSchemaRegistryStore[] = [];
  const open = (streamKey = `test:${randomUUID()}`): RedisSchemaRegistryStore => {
    const store = new RedisSchemaRegistryStore({ redisUrl: redis.server.url, streamKey });
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  describe("as the registry's store", () => {
    registrySpec(() => open());
  });

  it("is what a RedisBackend offers: SchemaRegistry.of(backend) publishes to <stream>:schemas, on the backend's own client too", async () => {
    const stream = `orders:${randomUUID()}`;
    const backend = new RedisBackend({
      redisUrl: redis.server.url,
      streamKey: stream,
      logger: false,
    });
    const client = rawClient(redis.server.url);
    const onClient = new RedisBackend({ redisUrl: "", client, streamKey: stream, logger: false });
    try {
      await SchemaRegistry.of(backend).publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
      expect(await redis.redis.hget(`${stream}:schemas`, "versions:ORDER_PLACED")).toBe("[1]");
      expect(await SchemaRegistry.of(onClient).list()).toEqual([
        expect.objectContaining({ eventType: "ORDER_PLACED" }),
      ]);
    } finally {
      await backend.close();
      await onClient.close();
    }
    // The caller's client stays open.
    expect(await client.ping()).toBe("PONG");
    client.disconnect();
  });

  it("keeps a type's versions, their list, its mode and revision in the hash <stream>:schemas", async () => {
    const stream = `orders:${randomUUID()}`;
    const registry = new SchemaRegistry(open(stream));
    await registry.publish([submission("ORDER_PLACED", 1, ORDER_V1)]);
    await registry.setMode("ORDER_PLACED", "FULL");
    const hash = await redis.redis.hgetall(`${stream}:schemas`);
    expect(Object.keys(hash).sort()).toEqual([
      "mode:ORDER_PLACED",
      "revision:ORDER_PLACED",
      "schema:ORDER_PLACED:1",
      "versions:ORDER_PLACED",
    ]);
    expect(hash["versions:ORDER_PLACED"]).toBe("[1]");
    expect(hash["mode:ORDER_PLACED"]).toBe("FULL");
    expect(JSON.parse(hash["schema:ORDER_PLACED:1"] as string)).toMatchObject({
      eventType: "ORDER_PLACED",
      version: 1,
      document: { kind: "json-schema", jsonSchema: ORDER_V1 },
    });
  });

  it("is shared by every store on the same stream, and separate per stream", async () => {
    const stream = `orders:${randomUUID()}`;
    await new SchemaRegistry(open(stream)).publish([submission("A", 1, ORDER_V1)]);
    expect(await open(stream).types()).toEqual(["A"]);
    expect(await open().types()).toEqual([]);
  });

  it("registers exactly one of many racing publishers of incompatible versions, on separate connections", async () => {
    const stream = `race:${randomUUID()}`;
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

  it("fails with RedisOperationError naming the registry, the password masked, when Redis is unreachable", async () => {
    const store = new RedisSchemaRegistryStore({
      redisUrl: "redis://:hunter2@127.0.0.1:1",
      commandTimeoutMs: 300,
    });
    stores.push(store);
    const error = await store.types().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "RedisOperationError", code: "ERR_REDIS" });
    expect((error as Error).message).toMatch(
      /^Redis schema registry list \(HKEYS\) failed on necrostack:events:schemas at redis:\/\/:\*+@127\.0\.0\.1:1/,
    );
    expect((error as Error).message).not.toContain("hunter2");
  });

  it("rejects options it cannot use, naming them", () => {
    expect(() => new RedisSchemaRegistryStore({ redisUrl: "http://x" })).toThrow(
      /`redisUrl` to be a redis:\/\/ or rediss:\/\/ URL/,
    );
    expect(() => new RedisSchemaRegistryStore({ redisUrl: "redis://x", streamKey: "" })).toThrow(
      /`streamKey`/,
    );
  });
});

describeRedis("RedisSchemaRegistryStore across a Redis restart", () => {
  const redis = usePrivateRedis({ appendOnly: true });

  it("fails while Redis is down, and works again once it is back", async () => {
    const store = new RedisSchemaRegistryStore({
      redisUrl: redis.server.url,
      streamKey: `restart:${randomUUID()}`,
      commandTimeoutMs: 500,
    });
    try {
      await new SchemaRegistry(store).publish([submission("A", 1, ORDER_V1)]);
      await redis.server.stop();
      await expect(store.types()).rejects.toMatchObject({ code: "ERR_REDIS" });
      await redis.server.start();
      await waitUntil(
        "the store reads again",
        async () => (await store.types().catch(() => [])).length === 1,
        { timeoutMs: 10_000, intervalMs: 100 },
      );
      expect(await store.types()).toEqual(["A"]);
    } finally {
      await store.close();
    }
  }, 30_000);
});
