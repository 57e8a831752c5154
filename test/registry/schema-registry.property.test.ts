import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CompatibilityMode,
  checkCompatibility,
} from "../../src/core/registry/compatibility.js";
import { jsonSchemaDocument } from "../../src/core/registry/schema-document.js";
import { SchemaRegistry } from "../../src/core/registry/schema-registry.js";
import { InMemorySchemaRegistryStore } from "../../src/core/registry/store.js";
import { schema } from "./arbitraries.js";

describe("SchemaRegistry (properties)", () => {
  it("never holds two consecutive versions that break the type's mode, whatever is published", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<CompatibilityMode>("BACKWARD", "FORWARD", "FULL"),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), schema), { minLength: 1, maxLength: 8 }),
        async (mode, attempts) => {
          const registry = new SchemaRegistry(new InMemorySchemaRegistryStore(), {
            defaultMode: mode,
          });
          for (const [version, jsonSchema] of attempts) {
            await registry
              .publish([{ eventType: "T", version, document: jsonSchemaDocument(jsonSchema) }])
              .catch(() => undefined);
          }
          const versions = (await registry.type("T")).versions;
          for (let i = 1; i < versions.length; i++) {
            const previous = versions[i - 1]?.document;
            const next = versions[i]?.document;
            if (previous?.kind !== "json-schema" || next?.kind !== "json-schema")
              throw new Error("opaque");
            expect(checkCompatibility(previous.jsonSchema, next.jsonSchema, mode)).toEqual([]);
          }
          // Ascending, one schema per version.
          const numbers = versions.map((v) => v.version);
          expect(numbers).toEqual([...new Set(numbers)].sort((a, b) => a - b));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("accepts publishing what it holds again, for every version it holds", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(schema, { minLength: 1, maxLength: 4 }), async (schemas) => {
        const registry = new SchemaRegistry(new InMemorySchemaRegistryStore(), {
          defaultMode: "NONE",
        });
        for (const [i, s] of schemas.entries()) {
          await registry.publish([
            { eventType: "T", version: i + 1, document: jsonSchemaDocument(s) },
          ]);
        }
        for (const held of (await registry.type("T")).versions) {
          const report = await registry.publish([held]);
          expect(report.verdicts[0]?.outcome).toMatch(/^(unchanged|behind)$/);
        }
      }),
      { numRuns: 100 },
    );
  });
});
