/**
 * What the Spine does with a catalog, per event: the checks on the events an organ returns
 * (stamp the version of a versioned type, validate the payload) and on each event it pulls
 * (read its `schema-version`, upcast it step by step, validate it). Built once per Spine; the
 * dispatcher calls it only when the Spine has a catalog. Each check is maybe-async, like the
 * dispatcher: a synchronous schema answers at once, an async one through its promise. A type
 * without a schema costs one map lookup.
 */
import { isThenable } from "../../utils/thenable.js";
import { Event, type EventInit, ownHeader } from "../event.js";
import type { HandlerResult } from "../handler.js";
import { HEADER } from "../headers.js";
import type { JsonObject } from "../json.js";
import type { Catalog } from "./catalog.js";
import {
  EmittedEventInvalidError,
  NewerSchemaVersionError,
  ReceivedEventInvalidError,
} from "./errors.js";
import { sameJson } from "./same-json.js";
import { runSchema, type StandardSchemaV1, type Verdict } from "./standard-schema.js";
import type { Upcaster } from "./types.js";

/** The resolved catalog settings of a Spine. */
export interface SchemaCheckOptions {
  readonly catalog: Catalog;
  /** Validate the events organs return, before they are enqueued. */
  readonly emit: boolean;
  /** Validate each event pulled, before its organs see it. */
  readonly receive: boolean;
  /** Emitting a type the catalog does not define is a handler error. */
  readonly strict: boolean;
}

/** Why a pulled event is not handled: dead-letter it, or (newer version) release it. */
export type ReceiveFailure = ReceivedEventInvalidError | NewerSchemaVersionError;

/** A catalog entry as the checks read it. */
interface Known {
  readonly type: string;
  readonly version: number;
  /** The version as its header text. */
  readonly header: string;
  readonly schema: StandardSchemaV1;
  /** `upcast[v]` reads version v. */
  readonly upcast: Readonly<Record<number, Upcaster>>;
}

const PAYLOAD = ["payload"] as const;
const VERSION_PATH = ["headers", HEADER.SCHEMA_VERSION] as const;

export class SchemaChecks {
  readonly #known: ReadonlyMap<string, Known>;
  readonly #emit: boolean;
  readonly #receive: boolean;
  readonly #strict: boolean;

  constructor(options: SchemaCheckOptions) {
    const known = new Map<string, Known>();
    for (const entry of options.catalog.types()) {
      known.set(entry.type, { ...entry, header: String(entry.version) });
    }
    this.#known = known;
    this.#emit = options.emit;
    this.#receive = options.receive;
    this.#strict = options.strict;
  }

  /**
   * Checks what organ `organ` returned for `cause`: each event of a versioned type gets its
   * `schema-version` (a copy of the event, so the result may be a new array), and each payload is
   * validated when `emit` is on. Returns the result to collect, or the error for the first event
   * that failed. Anything that is not an event is returned as it is, for the dispatcher's own
   * result check.
   */
  emitted(
    organ: string,
    cause: Event,
    result: HandlerResult,
  ): HandlerResult | EmittedEventInvalidError | Promise<HandlerResult | EmittedEventInvalidError> {
    if (result instanceof Event) return this.#emitOne(organ, cause, result);
    if (!Array.isArray(result)) return result;
    const list = result as readonly unknown[];
    let out: Event[] | undefined;
    let pending: Promise<void>[] | undefined;
    let failure: EmittedEventInvalidError | undefined;
    for (let i = 0; i < list.length; i++) {
      const event = list[i];
      if (!(event instanceof Event)) return result;
      const checked = this.#emitOne(organ, cause, event);
      if (checked instanceof EmittedEventInvalidError) return checked;
      if (isThenable<Event | EmittedEventInvalidError>(checked)) {
        pending ??= [];
        pending.push(
          Promise.resolve(checked).then((settled) => {
            if (settled instanceof EmittedEventInvalidError) failure ??= settled;
            else if (settled !== event) {
              out ??= list.slice() as Event[];
              out[i] = settled;
            }
          }),
        );
      } else if (checked !== event) {
        out ??= list.slice() as Event[];
        out[i] = checked;
      }
    }
    if (pending === undefined) return out ?? result;
    return Promise.all(pending).then(() => failure ?? out ?? result);
  }

  #emitOne(
    organ: string,
    cause: Event,
    event: Event,
  ): Event | EmittedEventInvalidError | Promise<Event | EmittedEventInvalidError> {
    const known = this.#known.get(event.eventType);
    if (known === undefined) {
      if (!this.#strict) return event;
      return new EmittedEventInvalidError(
        organ,
        cause,
        event.eventType,
        "of a type the catalog does not define (the Spine is strict)",
        [{ message: "is not a type in the catalog", path: ["eventType"] }],
      );
    }
    let out = event;
    const header = ownHeader(event, HEADER.SCHEMA_VERSION);
    if (header === undefined) {
      if (known.version !== 1) out = event.withHeaders({ [HEADER.SCHEMA_VERSION]: known.header });
    } else if (header !== known.header) {
      return new EmittedEventInvalidError(
        organ,
        cause,
        event.eventType,
        `with schema-version ${JSON.stringify(header)}`,
        [
          {
            message: `must be "${known.header}", the version of ${known.type} this catalog writes (or absent)`,
            path: VERSION_PATH,
          },
        ],
      );
    }
    if (!this.#emit) return out;
    const verdict = runSchema(known.schema, out.payload, PAYLOAD);
    if (isThenable<Verdict>(verdict)) {
      return verdict.then((settled) => this.#emitVerdict(organ, cause, out, known, settled));
    }
    return this.#emitVerdict(organ, cause, out, known, verdict);
  }

  #emitVerdict(
    organ: string,
    cause: Event,
    event: Event,
    known: Known,
    verdict: Verdict,
  ): Event | EmittedEventInvalidError {
    if (verdict.issues !== undefined) {
      return new EmittedEventInvalidError(
        organ,
        cause,
        event.eventType,
        `whose payload fails its schema (version ${known.version})`,
        verdict.issues,
      );
    }
    return event;
  }

  /**
   * Checks an event pulled from the backend. Returns the event its organs get: the same one, or
   * a copy carrying the upcast payload, or the schema's output where the schema transforms it.
   * Returns the failure for an event it cannot handle.
   */
  received(event: Event): Event | ReceiveFailure | Promise<Event | ReceiveFailure> {
    const known = this.#known.get(event.eventType);
    if (known === undefined) return event;
    // Not `event.headers`: that builds the lineage headers of an event emitted in process.
    const header = ownHeader(event, HEADER.SCHEMA_VERSION);
    let version = known.version;
    if (header === undefined) version = 1;
    else if (header !== known.header) {
      version = Number(header);
      if (!/^[1-9][0-9]{0,8}$/.test(header)) {
        return new ReceivedEventInvalidError(
          event,
          1,
          "has a schema-version that is not a version",
          [
            {
              message: `must be a positive integer, got ${JSON.stringify(header)}`,
              path: VERSION_PATH,
            },
          ],
        );
      }
      if (version > known.version)
        return new NewerSchemaVersionError(event, version, known.version);
    }
    let payload: JsonObject = event.payload;
    for (let from = version; from < known.version; from++) {
      try {
        payload = (known.upcast[from] as Upcaster)(payload);
      } catch (error) {
        return new ReceivedEventInvalidError(
          event,
          version,
          `could not be upcast from version ${from} to ${from + 1}`,
          [{ message: `the upcaster threw: ${messageText(error)}`, path: PAYLOAD }],
        );
      }
    }
    if (!this.#receive)
      return version === known.version ? event : copy(event, payload, known, version);
    const verdict = runSchema(known.schema, payload, PAYLOAD);
    if (isThenable<Verdict>(verdict)) {
      return verdict.then((settled) => this.#receiveVerdict(event, known, version, settled));
    }
    return this.#receiveVerdict(event, known, version, verdict);
  }

  #receiveVerdict(
    event: Event,
    known: Known,
    version: number,
    verdict: Verdict,
  ): Event | ReceivedEventInvalidError {
    if (verdict.issues !== undefined) {
      const upcast = version === known.version ? "" : `, upcast from version ${version}`;
      return new ReceivedEventInvalidError(
        event,
        version,
        `fails its schema (version ${known.version}${upcast})`,
        verdict.issues,
      );
    }
    const value = verdict.value;
    // An output equal to the payload (the schema had no default or transform to apply) costs
    // no copy: the organs get the event as pulled.
    if (version === known.version && sameJson(value, event.payload)) return event;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return new ReceivedEventInvalidError(
        event,
        version,
        "has a schema whose output is no payload",
        [{ message: "the schema's output must be a JSON object", path: PAYLOAD }],
      );
    }
    return copy(event, value as JsonObject, known, version);
  }
}

/**
 * `event` with `payload` (upcast, or the schema's output) at the catalog's version: same id,
 * timestamp and headers. The payload is checked as every payload is; one that is not JSON (a
 * schema that outputs a Date, say) fails the event.
 */
function copy(
  event: Event,
  payload: JsonObject,
  known: Known,
  version: number,
): Event | ReceivedEventInvalidError {
  const headers =
    known.version === 1 && event.headers[HEADER.SCHEMA_VERSION] === undefined
      ? event.headers
      : { ...event.headers, [HEADER.SCHEMA_VERSION]: known.header };
  const init: EventInit = {
    eventType: event.eventType,
    payload,
    id: event.id,
    timestamp: event.timestampMs,
    headers,
  };
  try {
    return new Event(init);
  } catch (error) {
    return new ReceivedEventInvalidError(
      event,
      version,
      "cannot carry the payload its schema or upcasters made",
      (error as { issues?: ReceivedEventInvalidError["issues"] }).issues ?? [
        { message: messageText(error), path: PAYLOAD },
      ],
    );
  }
}

function messageText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
