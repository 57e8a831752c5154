/**
 * Where a schema registry keeps its records: the contract a backend implements to offer one
 * (see `Backend.schemaRegistry`), and the in-memory implementation.
 *
 * The store knows nothing of compatibility: it reads a type's record and writes it back only if
 * nobody wrote it in between (compare-and-set on a per-type revision). The registry does the
 * checking between the two, and retries when another process won the race, so two processes
 * publishing at once can never register two versions that were each checked against a record
 * that no longer holds.
 */
import type { CompatibilityMode } from "./compatibility.js";
import type { SchemaDocument } from "./schema-document.js";

/** One registered version of an event type's payload schema. */
export interface RegisteredSchema {
  readonly eventType: string;
  /** 1, 2, 3, ...: the `schema-version` header of events written with it. */
  readonly version: number;
  readonly document: SchemaDocument;
  /** When it was registered (ISO 8601). */
  readonly registeredAt: string;
}

/** Everything registered for one event type. */
export interface SchemaTypeRecord {
  readonly eventType: string;
  /** The type's compatibility mode; `undefined` until one is set (the registry's default applies). */
  readonly mode: CompatibilityMode | undefined;
  /** Its versions, oldest first. */
  readonly versions: readonly RegisteredSchema[];
  /** Bumped by every write to the type; 0 when nothing was ever written. */
  readonly revision: number;
}

/** One write to a type's record. */
export interface SchemaTypeWrite {
  /** A version to add (or replace: the registry never asks to replace). */
  readonly schema?: RegisteredSchema;
  /** The type's new compatibility mode. */
  readonly mode?: CompatibilityMode;
}

/**
 * The storage of a schema registry.
 *
 * Atomicity: `write` is a compare-and-set. It applies the change and bumps the revision only if
 * the type's revision is still `expectedRevision`, as one atomic step against every other
 * process using the same storage; otherwise it changes nothing and resolves `false`.
 * Reads may be stale by the time they resolve; the revision is what makes that safe.
 */
export interface SchemaRegistryStore {
  /** Every event type with a record, sorted. */
  types(): Promise<string[]>;
  /** The record of `eventType`: no versions, no mode and revision 0 when there is none. */
  read(eventType: string): Promise<SchemaTypeRecord>;
  /** See the interface: compare-and-set on the type's revision. */
  write(eventType: string, expectedRevision: number, change: SchemaTypeWrite): Promise<boolean>;
  /** Releases what the store holds (a connection). Idempotent. */
  close?(): Promise<void>;
}

/** A schema registry store in this process's memory: for tests and in-process pipelines. */
export class InMemorySchemaRegistryStore implements SchemaRegistryStore {
  readonly #records = new Map<string, SchemaTypeRecord>();

  async types(): Promise<string[]> {
    return [...this.#records.keys()].sort();
  }

  async read(eventType: string): Promise<SchemaTypeRecord> {
    return this.#records.get(eventType) ?? emptyRecord(eventType);
  }

  async write(
    eventType: string,
    expectedRevision: number,
    change: SchemaTypeWrite,
  ): Promise<boolean> {
    const current = this.#records.get(eventType) ?? emptyRecord(eventType);
    if (current.revision !== expectedRevision) return false;
    this.#records.set(eventType, applyWrite(current, change));
    return true;
  }
}

/** The record of a type nothing was written to. */
export function emptyRecord(eventType: string): SchemaTypeRecord {
  return { eventType, mode: undefined, versions: [], revision: 0 };
}

/** `record` with `change` applied and its revision bumped. */
export function applyWrite(record: SchemaTypeRecord, change: SchemaTypeWrite): SchemaTypeRecord {
  const { schema } = change;
  const versions =
    schema === undefined
      ? record.versions
      : [...record.versions.filter((v) => v.version !== schema.version), schema].sort(
          (a, b) => a.version - b.version,
        );
  return {
    eventType: record.eventType,
    mode: change.mode ?? record.mode,
    versions,
    revision: record.revision + 1,
  };
}
