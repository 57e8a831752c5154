/**
 * A catalog as the registry reads it: one submission per event type, its current version and
 * the JSON Schema (or opaque fingerprint) of that version's payload.
 */
import type { Catalog } from "../catalog/catalog.js";
import {
  type DescribableSchema,
  describeSchema,
  type JsonSchemaConverter,
} from "./schema-document.js";
import type { SchemaSubmission } from "./verdict.js";

/** The submissions of every type of `catalog`, sorted by type. */
export function catalogSchemas(
  catalog: Pick<Catalog, "types">,
  toJsonSchema?: JsonSchemaConverter,
): SchemaSubmission[] {
  return catalog.types().map((entry) => ({
    eventType: entry.type,
    version: entry.version,
    document: describeSchema(entry.schema as unknown as DescribableSchema, toJsonSchema),
    upcastFrom: Object.keys(entry.upcast).map(Number),
  }));
}
