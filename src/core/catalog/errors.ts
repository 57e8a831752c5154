/**
 * The catalog's errors: a definition `defineEvents` refuses, an organ that listens to a type a
 * strict catalog does not know, and an event that fails its schema on either side of the backend.
 * Issues use the Standard Schema shape, with paths from the event (`payload.total`).
 */
import { formatPath, HandlerError, NecroStackError, type ValidationIssue } from "../errors.js";

/** `defineEvents` was given something it cannot use; the message names the event type. */
export class CatalogDefinitionError extends NecroStackError {
  readonly eventType: string;

  constructor(eventType: string, message: string) {
    super(`defineEvents: ${eventType}: ${message}`, "ERR_CATALOG_DEFINITION");
    this.eventType = eventType;
  }
}

/** A strict Spine was built with an organ that listens to a type its catalog does not define. */
export class UnknownEventTypeError extends NecroStackError {
  readonly eventType: string;
  readonly organ: string;

  constructor(organ: string, eventType: string) {
    super(
      `Organ ${organ} listens to ${eventType}, which the catalog does not define, and the Spine is strict: add ${eventType} to defineEvents() or drop it from listensTo`,
      "ERR_UNKNOWN_EVENT_TYPE",
    );
    this.eventType = eventType;
    this.organ = organ;
  }
}

/**
 * An organ returned an event that failed its schema (or, with `strict`, one whose type the
 * catalog does not define). A handler error: none of the organ's events for this call were
 * enqueued, and the handler failure mode applies.
 */
export class EmittedEventInvalidError extends HandlerError {
  /** The type of the event that failed (the handled event's type is `eventType`). */
  readonly emittedType: string;
  readonly issues: readonly ValidationIssue[];

  constructor(
    organ: string,
    cause: { readonly id: string; readonly eventType: string },
    emittedType: string,
    what: string,
    issues: readonly ValidationIssue[],
  ) {
    super(
      organ,
      cause,
      `returned ${emittedType} ${what}: ${formatIssues(issues)}; none of its events were enqueued`,
      "ERR_EMITTED_EVENT_INVALID",
    );
    this.emittedType = emittedType;
    this.issues = issues;
  }
}

/**
 * An event pulled from the backend could not be handled by this worker's catalog: its payload
 * failed the schema (after upcasting), an upcaster threw, or its `schema-version` header is not a
 * version at all. Its `message` is the dead-letter reason.
 */
export class ReceivedEventInvalidError extends NecroStackError {
  readonly eventId: string;
  readonly eventType: string;
  /** The version the event said it was (1 when it had no `schema-version` header). */
  readonly version: number;
  readonly issues: readonly ValidationIssue[];

  constructor(
    event: { readonly id: string; readonly eventType: string },
    version: number,
    what: string,
    issues: readonly ValidationIssue[],
  ) {
    super(
      `${event.eventType} (${event.id}) ${what}: ${formatIssues(issues)}`,
      "ERR_RECEIVED_EVENT_INVALID",
    );
    this.eventId = event.id;
    this.eventType = event.eventType;
    this.version = version;
    this.issues = issues;
  }
}

/**
 * An event pulled from the backend whose `schema-version` is newer than this worker's catalog
 * knows. It is released for a worker that knows it (dead-lettered with this message once the
 * backend's retries are spent).
 */
export class NewerSchemaVersionError extends NecroStackError {
  readonly eventId: string;
  readonly eventType: string;
  readonly version: number;
  readonly knownVersion: number;

  constructor(
    event: { readonly id: string; readonly eventType: string },
    version: number,
    knownVersion: number,
  ) {
    super(
      `${event.eventType} (${event.id}) has schema-version ${version}; this worker's catalog knows ${event.eventType} up to version ${knownVersion}: left for a worker built with version ${version}`,
      "ERR_NEWER_SCHEMA_VERSION",
    );
    this.eventId = event.id;
    this.eventType = event.eventType;
    this.version = version;
    this.knownVersion = knownVersion;
  }
}

/** `payload.total: Expected number; payload.items[0].sku: Required`, every issue. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues
    .map((i) => (i.path.length > 0 ? `${formatPath(i.path)}: ` : "") + i.message)
    .join("; ");
}
