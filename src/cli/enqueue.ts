/**
 * `necrostack enqueue`: adds an event (or a file of them) to a Redis stream or a PostgreSQL
 * stream table (chosen by the scheme of `--backend`), for scripts, smoke tests and operators
 * kicking off a chain by hand or replaying events. Prints the ids added.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Backend } from "../core/backend.js";
import { EventValidationError, messageOf, NecroStackError } from "../core/errors.js";
import { Event, type EventInit } from "../core/event.js";
import type { JsonObject } from "../core/json.js";
import { maskSecrets } from "../utils/redact.js";
import { withDeadline } from "../utils/timing.js";
import { type BackendConfig, enqueueBackendConfig, openBackend } from "./backend-url.js";
import type { CliIO } from "./command.js";
import { parseEventLines } from "./event-lines.js";
import { type FlagSpec, integerFlag, parseFlags, stringFlag } from "./flags.js";
import { UsageError } from "./usage-error.js";

export const ENQUEUE_USAGE = `Usage: necrostack enqueue --backend URL --type TYPE [--payload JSON] [options]
       necrostack enqueue --backend URL --file EVENTS.jsonl [options]

Adds one event to a Redis stream or a PostgreSQL stream table, or every event of a file, and
prints the id of each event added, one per line, in order.

Options:
  --backend URL        redis://[user:password@]host:port[/db], rediss://, or
                       postgres://[user:password@]host:port/db (or postgresql://)
                       (default: $NECROSTACK_BACKEND_URL, else $REDIS_URL)
  --redis URL          the same as --backend, for Redis URLs only
  --type TYPE          the event type, such as ORDER_PLACED
  --payload JSON       the payload, a JSON object (default: {})
  --id UUID            the event id, a UUID v4 (default: a new one)
  --file PATH          JSON lines, one event per line in the wire form
                       {"event_type": ..., "payload": ..., "id"?: ..., "timestamp"?: ...};
                       - reads standard input. Every line is checked before any is added.
  --stream NAME        stream: a Redis key (default: necrostack:events), or a PostgreSQL
                       table name such as orders (default: events)
  --max-len N          Redis only: trim the stream to about N entries when adding
                       (default: off)
  --schema NAME        PostgreSQL only: the schema holding the tables (default: necrostack)
  --timeout-ms MS      how long to wait for the backend to accept each batch of up to 1,000
                       events (default: 5000)
  -h, --help           show this help

Exit codes: 0 all added, 1 the backend did not accept them all in time (the ids printed are the events
that were added), 2 bad flags or an invalid event.
`;

const FLAGS: FlagSpec = {
  backend: { type: "string" },
  redis: { type: "string" },
  type: { type: "string" },
  payload: { type: "string" },
  id: { type: "string" },
  file: { type: "string" },
  stream: { type: "string" },
  "max-len": { type: "string" },
  schema: { type: "string" },
  "timeout-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** What `enqueue` was asked to add, and where (its backend as {@link BackendConfig}). */
export type EnqueueConfig = EnqueueRequest & BackendConfig;

/** What `enqueue` was asked to add. */
export interface EnqueueRequest {
  /** The event given by --type, --payload and --id; `undefined` with --file. */
  readonly event: Event | undefined;
  /** The --file path (`-` for standard input); `undefined` without it. */
  readonly file: string | undefined;
  readonly timeoutMs: number;
}

const COMMAND = "enqueue";
/** Events sent to Redis at once (auto-pipelined) before waiting for their replies. */
const CHUNK = 1_000;
const HELP = "necrostack enqueue --help";
/** Timers cannot wait longer than 2^31-1 ms. */
const MAX_MS = 2_147_483_647;

/**
 * Parses the flags and builds the event. Returns `"help"` for --help; throws `UsageError` for
 * bad flags or an invalid event.
 */
export function parseEnqueueArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): EnqueueConfig | "help" {
  const values = parseFlags(COMMAND, argv, FLAGS);
  if (values.help === true) return "help";
  const file = stringFlag(COMMAND, values, "file");
  const eventType = stringFlag(COMMAND, values, "type");
  if (file !== undefined && (eventType ?? values.payload ?? values.id) !== undefined) {
    throw new UsageError(
      "necrostack enqueue: give either --file or --type (with --payload and --id), not both",
      HELP,
    );
  }
  if (file === undefined && eventType === undefined) {
    throw new UsageError(
      "necrostack enqueue: give the event type with --type TYPE (or a file of events with --file)",
      HELP,
    );
  }
  const backend = enqueueBackendConfig(COMMAND, values, env);
  const event =
    eventType === undefined
      ? undefined
      : eventFromFlags(
          eventType,
          stringFlag(COMMAND, values, "payload"),
          stringFlag(COMMAND, values, "id"),
        );

  const timeoutMs = integerFlag(COMMAND, values, "timeout-ms", 1, MAX_MS) ?? 5_000;
  return { event, file, ...backend, timeoutMs };
}

function eventFromFlags(eventType: string, payload?: string, id?: string): Event {
  const init: EventInit = { eventType };
  if (payload !== undefined) init.payload = parsePayload(payload);
  if (id !== undefined) init.id = id;
  try {
    return new Event(init);
  } catch (error) {
    if (!(error instanceof EventValidationError)) throw error;
    throw new UsageError(`necrostack enqueue: ${error.message}`, HELP, { cause: error });
  }
}

function parsePayload(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `necrostack enqueue: expected \`--payload\` to be a JSON object, but it is not valid JSON: ${messageOf(error)}`,
      HELP,
      { cause: error },
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
    throw new UsageError(
      `necrostack enqueue: expected \`--payload\` to be a JSON object, got ${text.trim()} (${kind})`,
      HELP,
    );
  }
  return value as JsonObject;
}

/**
 * Runs `necrostack enqueue`; resolves 0 once the backend has every event, 1 when it did not accept
 * them all in time. Throws `UsageError` for bad flags or an invalid event.
 */
export async function runEnqueue(argv: readonly string[], io: CliIO): Promise<number> {
  const config = parseEnqueueArgs(argv, io.env);
  if (config === "help") {
    io.stdout(ENQUEUE_USAGE);
    return 0;
  }
  const events =
    config.file === undefined ? [config.event as Event] : await readEvents(config.file, io.cwd);
  // The backend's module is imported only now, so Redis users never load pg, nor the reverse.
  const opened = await openBackend(config, false);
  const { backend } = opened;
  const where = `stream ${opened.stream} at ${opened.target}`;
  try {
    const { added, failure } = await addAll(
      backend,
      events,
      config.timeoutMs,
      io,
      opened.serverName,
    );
    if (failure === undefined) return 0;
    const what =
      events.length === 1
        ? `could not add the event to ${where}`
        : `added ${added} of ${events.length} events to ${where} (their ids are printed), then failed`;
    io.stderr(`necrostack enqueue: ${what}: ${maskSecrets(messageOf(failure))}\n`);
    return 1;
  } finally {
    // A server that never answered must not keep the command waiting on close either.
    await withDeadline(backend.close(), 1_000, () => new Error("close timed out")).catch(
      () => undefined,
    );
  }
}

async function readEvents(file: string, cwd: string): Promise<Event[]> {
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new NecroStackError(
      `necrostack enqueue: cannot read ${file}: ${messageOf(error)}`,
      "ERR_ENQUEUE_FILE",
      { cause: error },
    );
  }
  return parseEventLines(text, file === "-" ? "standard input" : file, HELP);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Adds `events` in order, {@link CHUNK} at a time, printing the id of each one Redis accepted.
 * Stops at the first chunk that did not all get in within `timeoutMs`.
 */
async function addAll(
  backend: Backend,
  events: readonly Event[],
  timeoutMs: number,
  io: CliIO,
  serverName: string,
): Promise<{ added: number; failure: unknown }> {
  let added = 0;
  for (let from = 0; from < events.length; from += CHUNK) {
    const chunk = events.slice(from, from + CHUNK);
    const outcomes: unknown[] = new Array(chunk.length).fill(PENDING);
    const sent = chunk.map((event, i) =>
      backend.enqueue(event).then(
        () => {
          outcomes[i] = ADDED;
        },
        (error: unknown) => {
          outcomes[i] = error;
        },
      ),
    );
    let failure: unknown;
    await withDeadline(
      Promise.all(sent),
      timeoutMs,
      () =>
        new Error(
          `${serverName} did not accept ${chunk.length === 1 ? "it" : "them"} within ${timeoutMs} ms`,
        ),
    ).catch((error: unknown) => {
      failure = error;
    });
    let ids = "";
    for (let i = 0; i < chunk.length; i++) {
      const outcome = outcomes[i];
      if (outcome === ADDED) {
        ids += `${(chunk[i] as Event).id}\n`;
        added++;
      } else if (outcome !== PENDING) {
        failure ??= outcome;
      }
    }
    io.stdout(ids);
    if (failure !== undefined) return { added, failure };
  }
  return { added, failure: undefined };
}

const PENDING = Symbol("pending");
const ADDED = Symbol("added");
