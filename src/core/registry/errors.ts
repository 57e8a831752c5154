/** Errors of the schema registry. Each extends NecroStackError and has a stable `code`. */
import { NecroStackError } from "../errors.js";
import type { SchemaConflict } from "./verdict.js";

/** One reason a schema cannot be registered, in the Standard Schema issue shape plus where. */
export interface SchemaRegistryIssue {
  readonly eventType: string;
  readonly version: number;
  /** `"version-mismatch"`, `"older-unregistered"`, `"opaque"`, or a compatibility issue's kind. */
  readonly kind: string;
  /** Inside the payload: field names, `"*"` for every item of an array. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/**
 * Schemas conflict with the registry: publishing them was refused (nothing was written), or a
 * worker's catalog does not match what is registered. `conflicts` says, per event type, what
 * breaks; `issues` lists every breaking field across them.
 */
export class SchemaConflictError extends NecroStackError {
  readonly conflicts: readonly SchemaConflict[];
  readonly issues: readonly SchemaRegistryIssue[];

  constructor(action: string, conflicts: readonly SchemaConflict[]) {
    super(`${action} refused: ${conflicts.map((c) => c.message).join(" ")}`, "ERR_SCHEMA_CONFLICT");
    this.conflicts = conflicts;
    this.issues = conflicts.flatMap((conflict) => conflict.issues);
  }
}

/** Other processes kept writing the same type's record: the publish gave up after `attempts`. */
export class SchemaRegistryBusyError extends NecroStackError {
  readonly eventType: string;
  readonly attempts: number;

  constructor(eventType: string, attempts: number) {
    super(
      `Could not register a schema for ${eventType}: its record changed under ${attempts} attempts in a row (other processes publishing at once); try again`,
      "ERR_SCHEMA_REGISTRY_BUSY",
    );
    this.eventType = eventType;
    this.attempts = attempts;
  }
}
