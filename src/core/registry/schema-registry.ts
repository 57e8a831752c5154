/**
 * The schema registry: the versions of every event type's payload schema, shared by every
 * process that uses the same storage (a Redis hash per stream, or a map in this process).
 *
 * `publish` registers what is new and refuses a version that breaks its type's compatibility
 * mode, or that changes a registered version, naming the fields that break it. `check` says the
 * same without writing: what a worker does before it starts.
 */
import type { Backend } from "../backend.js";
import { InvalidOptionError } from "../errors.js";
import {
  type CompatibilityMode,
  DEFAULT_COMPATIBILITY,
  isCompatibilityMode,
} from "./compatibility.js";
import { SchemaConflictError, SchemaRegistryBusyError } from "./errors.js";
import type { RegisteredSchema, SchemaRegistryStore, SchemaTypeRecord } from "./store.js";
import {
  judge,
  type SchemaConflict,
  type SchemaSubmission,
  type SchemaVerdict,
} from "./verdict.js";

/** Options of {@link SchemaRegistry}. */
export interface SchemaRegistryOptions {
  /**
   * The mode of a type none was set for.
   * @defaultValue "BACKWARD"
   */
  defaultMode?: CompatibilityMode;
  /**
   * How many times a publish reads, checks and writes one type's record when other processes
   * keep writing it in between, before it gives up with `SchemaRegistryBusyError`.
   * @defaultValue 10
   */
  maxAttempts?: number;
  /** A clock for `registeredAt`. @defaultValue `() => new Date()` */
  now?: () => Date;
}

interface ResolvedSchemaRegistryOptions {
  readonly defaultMode: CompatibilityMode;
  readonly maxAttempts: number;
  readonly now: () => Date;
}

/** Applies the defaults of {@link SchemaRegistryOptions} and checks each option. */
export function resolveSchemaRegistryOptions(
  options: SchemaRegistryOptions = {},
): ResolvedSchemaRegistryOptions {
  const defaultMode = options.defaultMode ?? DEFAULT_COMPATIBILITY;
  if (!isCompatibilityMode(defaultMode)) {
    throw new InvalidOptionError("defaultMode", "BACKWARD, FORWARD, FULL or NONE", defaultMode);
  }
  const maxAttempts = options.maxAttempts ?? 10;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new InvalidOptionError("maxAttempts", "a positive integer", maxAttempts);
  }
  const now = options.now ?? (() => new Date());
  if (typeof now !== "function") throw new InvalidOptionError("now", "a function", now);
  return { defaultMode, maxAttempts, now };
}

/** What a publish or a check found, per submission, in the order given. */
export interface SchemaReport {
  readonly verdicts: readonly SchemaVerdict[];
  readonly conflicts: readonly SchemaConflict[];
}

/** One line of {@link SchemaRegistry.list}. */
export interface SchemaTypeSummary {
  readonly eventType: string;
  readonly mode: CompatibilityMode;
  /** Whether the mode is the registry's default, not one set for the type. */
  readonly defaultMode: boolean;
  readonly versions: readonly number[];
  readonly latest: RegisteredSchema | undefined;
}

export class SchemaRegistry {
  readonly store: SchemaRegistryStore;
  readonly #options: ResolvedSchemaRegistryOptions;

  constructor(store: SchemaRegistryStore, options: SchemaRegistryOptions = {}) {
    this.store = store;
    this.#options = resolveSchemaRegistryOptions(options);
  }

  /**
   * The registry of `backend`'s events, in the store it offers (`Backend.schemaRegistry()`).
   * Throws `InvalidOptionError` for a backend that offers none.
   */
  static of(backend: Backend, options?: SchemaRegistryOptions): SchemaRegistry {
    const store = backend.schemaRegistry?.();
    if (store === undefined) {
      throw new InvalidOptionError(
        "backend",
        "a backend that offers a schema registry store (schemaRegistry(), as InMemoryBackend and RedisBackend do); otherwise build new SchemaRegistry(store) on a store of your own",
        backend.constructor.name,
      );
    }
    return new SchemaRegistry(store, options);
  }

  /** The mode of a type none was set for. */
  get defaultMode(): CompatibilityMode {
    return this.#options.defaultMode;
  }

  /**
   * What publishing `submissions` would do, without writing: each one's verdict, and the
   * conflicts among them. A worker checks its catalog with this before it starts.
   */
  async check(submissions: Iterable<SchemaSubmission>): Promise<SchemaReport> {
    const verdicts: SchemaVerdict[] = [];
    for (const submission of submissions) {
      const record = await this.store.read(submission.eventType);
      verdicts.push(judge(record, submission, this.#options.defaultMode));
    }
    return { verdicts, conflicts: conflictsOf(verdicts) };
  }

  /**
   * Registers every submission that is new. Refuses all of them, writing nothing, when any
   * conflicts with what is registered (`SchemaConflictError`, with every breaking field in
   * `issues`). Publishing what is registered already is a no-op.
   *
   * Each type's record is written with a compare-and-set: if another process wrote it between
   * the check and the write, the type is checked again against the new record. Two processes
   * publishing incompatible versions at once cannot both succeed. Across types the publish is
   * not atomic: a conflict found on that second check (rare: someone published the same type at
   * the same moment) is thrown after the earlier types were registered.
   */
  async publish(submissions: Iterable<SchemaSubmission>): Promise<SchemaReport> {
    const list = [...submissions];
    const planned = await this.check(list);
    if (planned.conflicts.length > 0) {
      throw new SchemaConflictError("Publishing the schemas", planned.conflicts);
    }
    const verdicts: SchemaVerdict[] = [];
    for (const submission of list) verdicts.push(await this.#register(submission));
    return { verdicts, conflicts: [] };
  }

  async #register(submission: SchemaSubmission): Promise<SchemaVerdict> {
    for (let attempt = 1; attempt <= this.#options.maxAttempts; attempt++) {
      const record = await this.store.read(submission.eventType);
      const verdict = judge(record, submission, this.#options.defaultMode);
      if (verdict.outcome === "conflict") {
        throw new SchemaConflictError("Publishing the schemas", [verdict.conflict]);
      }
      if (verdict.outcome !== "register") return verdict;
      const schema: RegisteredSchema = {
        eventType: submission.eventType,
        version: submission.version,
        document: submission.document,
        registeredAt: this.#options.now().toISOString(),
      };
      if (await this.store.write(submission.eventType, record.revision, { schema })) return verdict;
    }
    throw new SchemaRegistryBusyError(submission.eventType, this.#options.maxAttempts);
  }

  /** Sets the compatibility mode of `eventType`, for the versions published after. */
  async setMode(eventType: string, mode: CompatibilityMode): Promise<void> {
    if (!isCompatibilityMode(mode)) {
      throw new InvalidOptionError("mode", "BACKWARD, FORWARD, FULL or NONE", mode);
    }
    for (let attempt = 1; attempt <= this.#options.maxAttempts; attempt++) {
      const record = await this.store.read(eventType);
      if (await this.store.write(eventType, record.revision, { mode })) return;
    }
    throw new SchemaRegistryBusyError(eventType, this.#options.maxAttempts);
  }

  /** Every registered type with its mode and versions, sorted by type. */
  async list(): Promise<SchemaTypeSummary[]> {
    const summaries: SchemaTypeSummary[] = [];
    for (const eventType of await this.store.types()) {
      summaries.push(this.#summary(await this.store.read(eventType)));
    }
    return summaries;
  }

  /** The record of one type (no versions when it has none). */
  async type(eventType: string): Promise<SchemaTypeRecord> {
    return this.store.read(eventType);
  }

  /** One registered version of `eventType`, the latest when `version` is not given. */
  async get(eventType: string, version?: number): Promise<RegisteredSchema | undefined> {
    const { versions } = await this.store.read(eventType);
    return version === undefined ? versions.at(-1) : versions.find((v) => v.version === version);
  }

  /** Closes the store. */
  async close(): Promise<void> {
    await this.store.close?.();
  }

  #summary(record: SchemaTypeRecord): SchemaTypeSummary {
    return {
      eventType: record.eventType,
      mode: record.mode ?? this.#options.defaultMode,
      defaultMode: record.mode === undefined,
      versions: record.versions.map((v) => v.version),
      latest: record.versions.at(-1),
    };
  }
}

function conflictsOf(verdicts: readonly SchemaVerdict[]): SchemaConflict[] {
  return verdicts.flatMap((v) => (v.outcome === "conflict" ? [v.conflict] : []));
}
