/**
 * The schema registry's public types, checked by the compiler: modes are a closed union, verdicts
 * and documents narrow on their discriminant, and stores are interchangeable.
 */
import { describe, expectTypeOf, it } from "vitest";
import { InMemoryBackend } from "../../src/backends/in-memory.js";
import type { RedisSchemaRegistryStore } from "../../src/backends/redis/schema-registry.js";
import type { Backend } from "../../src/core/backend.js";
import {
  type CompatibilityIssue,
  type CompatibilityMode,
  checkCompatibility,
  type JsonSchema,
  type SchemaConflict,
  type SchemaDocument,
  type SchemaRegistry,
  type SchemaRegistryStore,
  type SchemaVerdict,
} from "../../src/index.js";

describe("schema registry types", () => {
  it("has modes as a closed union of four names", () => {
    expectTypeOf<CompatibilityMode>().toEqualTypeOf<"BACKWARD" | "FORWARD" | "FULL" | "NONE">();
    // @ts-expect-error: not a mode
    checkCompatibility({}, {}, "LOOSE");
    expectTypeOf(checkCompatibility(true, true, "FULL")).toEqualTypeOf<CompatibilityIssue[]>();
  });

  it("narrows documents and verdicts on their discriminant", () => {
    const describeDoc = (document: SchemaDocument): JsonSchema | string =>
      document.kind === "json-schema" ? document.jsonSchema : document.fingerprint;
    expectTypeOf(describeDoc).returns.toEqualTypeOf<JsonSchema | string>();
    const conflictOf = (verdict: SchemaVerdict): SchemaConflict | undefined =>
      verdict.outcome === "conflict" ? verdict.conflict : undefined;
    expectTypeOf(conflictOf).returns.toEqualTypeOf<SchemaConflict | undefined>();
  });

  it("takes any store: a backend's, in memory, or on Redis", () => {
    expectTypeOf<RedisSchemaRegistryStore>().toMatchTypeOf<SchemaRegistryStore>();
    expectTypeOf(new InMemoryBackend().schemaRegistry()).toMatchTypeOf<SchemaRegistryStore>();
    expectTypeOf<Backend["schemaRegistry"]>().toEqualTypeOf<
      (() => SchemaRegistryStore) | undefined
    >();
    expectTypeOf<
      ConstructorParameters<typeof SchemaRegistry>[0]
    >().toEqualTypeOf<SchemaRegistryStore>();
  });
});
