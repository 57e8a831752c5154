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
import { maskUrl } from "../utils/redact.js";
import type { CliIO } from "./command.js";
import { loadCatalogModule } from "./schema-catalog.js";
import { conflictLines, verdictLine } from "./schema-report.js";

/** Where the worker's registry is. */
export interface WorkerRegistryTarget {
  readonly redisUrl: string;
  /** The worker's stream; its registry is the hash `<streamKey>:schemas`. */
  readonly streamKey: string;
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
  const { RedisSchemaRegistryStore } = await import("../backends/redis/schema-registry.js");
  const store = new RedisSchemaRegistryStore(target);
  const registry = new SchemaRegistry(store);
  try {
    const report = await registry.check(catalogSchemas(catalog, toJsonSchema));
    if (report.conflicts.length > 0) {
      io.stderr(
        `necrostack worker: the catalog ${modulePath} conflicts with the schema registry ${store.key} at ${maskUrl(target.redisUrl)}:\n${report.conflicts
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
  } finally {
    await registry.close();
  }
}
