/**
 * `necrostack worker --catalog MODULE`: before the worker starts, its catalog is checked against
 * the schema registry of its stream. A conflict (a version registered with another schema, or a
 * newer version that breaks its type's mode) stops the start with every breaking field; types not
 * registered yet, and versions older than the registry's latest, start with a log line.
 *
 * The worker only checks: registering is a deploy step (`necrostack schema publish`), so a worker
 * never changes what the other processes on the stream read.
 */
import type { Catalog } from "../core/catalog/catalog.js";
import type { Logger } from "../core/logging.js";
import { catalogSchemas } from "../core/registry/catalog-schemas.js";
import { SchemaConflictError } from "../core/registry/errors.js";
import { SchemaRegistry } from "../core/registry/schema-registry.js";
import type { SchemaRegistryStore } from "../core/registry/store.js";
import type { CliIO } from "./command.js";
import { loadCatalogModule } from "./schema-catalog.js";
import { conflictLines, verdictLine } from "./schema-report.js";

/** The worker's registry: its backend's store, and where it is for messages. */
export interface WorkerRegistryTarget {
  readonly store: SchemaRegistryStore;
  /** Such as `the hash orders:schemas at redis://...` or `necrostack.orders_schemas at postgres://...`. */
  readonly where: string;
}

/**
 * Loads the catalog of `modulePath`, checks it against the registry of `target`, and returns it.
 * Throws `SchemaConflictError` on a conflict, after writing each conflict and its fields to
 * standard error.
 */
export async function checkWorkerCatalog(
  modulePath: string,
  target: WorkerRegistryTarget,
  io: CliIO,
  log: Logger,
): Promise<Catalog> {
  const { catalog, toJsonSchema } = await loadCatalogModule(modulePath, io.cwd);
  // The store is the backend's: the backend closes it.
  const registry = new SchemaRegistry(target.store);
  const report = await registry.check(catalogSchemas(catalog, toJsonSchema));
  if (report.conflicts.length > 0) {
    io.stderr(
      `necrostack worker: the catalog ${modulePath} conflicts with the schema registry ${target.where}:\n${report.conflicts
        .map((c) => `  ${conflictLines(c)}`)
        .join(
          "\n",
        )}\nPublish a compatible catalog (necrostack schema check shows what breaks), or deploy the catalog the registry holds.\n`,
    );
    throw new SchemaConflictError(
      `Starting the worker with catalog ${modulePath}`,
      report.conflicts,
    );
  }
  for (const verdict of report.verdicts) {
    if (verdict.outcome === "register" || verdict.outcome === "behind") {
      log.info(
        { schema: verdictLine(verdict, false) },
        `Schema registry: ${verdictLine(verdict, false)}`,
      );
    }
  }
  return catalog;
}
