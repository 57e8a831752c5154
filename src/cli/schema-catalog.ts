/**
 * Loads an event catalog from a user's module, for `necrostack schema` and `worker --catalog`.
 *
 * What the module may export, checked in this order: a default export that is a catalog, an
 * export named `catalog`, or exactly one export that is a catalog (recognised by its brand, so a
 * catalog made by another copy of necrostack works). It may also export `toJsonSchema(schema)`,
 * a converter for validators that offer no JSON Schema themselves (valibot's
 * `toJsonSchema` from `@valibot/to-json-schema`, say).
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Catalog, isCatalog } from "../core/catalog/catalog.js";
import { describeValue, messageOf, NecroStackError } from "../core/errors.js";
import type { JsonSchemaConverter } from "../core/registry/schema-document.js";

/** The catalog module could not be loaded or exports no catalog. */
export class CatalogModuleError extends NecroStackError {
  /** The module path as given. */
  readonly modulePath: string;

  constructor(modulePath: string, message: string, options?: ErrorOptions) {
    super(`Catalog module ${modulePath}: ${message}`, "ERR_CATALOG_MODULE", options);
    this.modulePath = modulePath;
  }
}

/** What a catalog module provides. */
export interface CatalogModule {
  readonly catalog: Catalog;
  /** The module's `toJsonSchema` export, if it has one. */
  readonly toJsonSchema: JsonSchemaConverter | undefined;
}

/** Imports `modulePath` (relative to `cwd`) and returns its catalog and converter. */
export async function loadCatalogModule(
  modulePath: string,
  cwd = process.cwd(),
): Promise<CatalogModule> {
  const file = isAbsolute(modulePath) ? modulePath : resolve(cwd, modulePath);
  if (!existsSync(file)) {
    throw new CatalogModuleError(modulePath, `no such file (looked for ${file})`);
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new CatalogModuleError(modulePath, `failed to import: ${messageOf(error)}`, {
      cause: error,
    });
  }
  const { toJsonSchema } = namespace;
  if (toJsonSchema !== undefined && typeof toJsonSchema !== "function") {
    throw new CatalogModuleError(
      modulePath,
      `export toJsonSchema must be a function (schema) => JSON Schema, got ${describeValue(toJsonSchema)}`,
    );
  }
  return {
    catalog: catalogOf(namespace, modulePath),
    toJsonSchema: toJsonSchema as JsonSchemaConverter | undefined,
  };
}

function catalogOf(namespace: Record<string, unknown>, modulePath: string): Catalog {
  if (isCatalog(namespace.default)) return namespace.default;
  if (isCatalog(namespace.catalog)) return namespace.catalog;
  const found = Object.entries(namespace).filter(([, value]) => isCatalog(value));
  if (found.length === 1) return (found[0] as [string, Catalog])[1];
  const names = Object.keys(namespace);
  throw new CatalogModuleError(
    modulePath,
    found.length > 1
      ? `exports ${found.length} catalogs (${found.map(([name]) => name).join(", ")}); export the one to use as default or as catalog`
      : `exports no catalog (exports: ${names.length === 0 ? "none" : names.join(", ")}). Export the result of defineEvents(...) as default or as catalog`,
  );
}
