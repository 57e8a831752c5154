/**
 * `necrostack enqueue`: adds one event to a Redis stream, for scripts, smoke tests and operators
 * kicking off a chain by hand. Prints the event's id.
 */
import { EventValidationError, messageOf } from "../core/errors.js";
import { Event, type EventInit } from "../core/event.js";
import type { JsonObject } from "../core/json.js";
import type { RedisBackendOptions } from "../redis.js";
import { maskSecrets, maskUrl } from "../utils/redact.js";
import type { CliIO } from "./command.js";
import { type FlagSpec, integerFlag, parseFlags, stringFlag } from "./flags.js";
import { redisUrlFlag } from "./redis-url-flag.js";
import { UsageError } from "./usage-error.js";

export const ENQUEUE_USAGE = `Usage: necrostack enqueue --redis URL --type TYPE [--payload JSON] [options]

Adds one event to a Redis stream and prints its id.

Options:
  --redis URL          redis://[user:password@]host:port[/db] or rediss://
                       (default: $REDIS_URL)
  --type TYPE          the event type, such as ORDER_PLACED (required)
  --payload JSON       the payload, a JSON object (default: {})
  --id UUID            the event id, a UUID v4 (default: a new one)
  --stream KEY         stream key (default: necrostack:events)
  --max-len N          trim the stream to about N entries when adding (default: no trimming)
  --timeout-ms MS      how long to wait for Redis to accept the event (default: 5000)
  -h, --help           show this help

Exit codes: 0 added, 1 Redis did not accept it in time, 2 bad flags or an invalid event.
`;

const FLAGS: FlagSpec = {
  redis: { type: "string" },
  type: { type: "string" },
  payload: { type: "string" },
  id: { type: "string" },
  stream: { type: "string" },
  "max-len": { type: "string" },
  "timeout-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
};

/** What `enqueue` was asked to add, and where. */
export interface EnqueueConfig {
  readonly event: Event;
  readonly redisUrl: string;
  readonly backend: RedisBackendOptions;
  readonly timeoutMs: number;
}

const COMMAND = "enqueue";
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
  const eventType = stringFlag(COMMAND, values, "type");
  if (eventType === undefined) {
    throw new UsageError("necrostack enqueue: give the event type with --type TYPE", HELP);
  }
  const redisUrl = redisUrlFlag(COMMAND, values, env);
  const init: EventInit = { eventType };
  const payload = stringFlag(COMMAND, values, "payload");
  if (payload !== undefined) init.payload = parsePayload(payload);
  const id = stringFlag(COMMAND, values, "id");
  if (id !== undefined) init.id = id;
  let event: Event;
  try {
    event = new Event(init);
  } catch (error) {
    if (!(error instanceof EventValidationError)) throw error;
    throw new UsageError(`necrostack enqueue: ${error.message}`, HELP, { cause: error });
  }

  const backend: RedisBackendOptions = { redisUrl };
  const stream = stringFlag(COMMAND, values, "stream");
  if (stream !== undefined) backend.streamKey = stream;
  const maxLen = integerFlag(COMMAND, values, "max-len", 1, Number.MAX_SAFE_INTEGER);
  if (maxLen !== undefined) backend.maxLen = maxLen;
  const timeoutMs = integerFlag(COMMAND, values, "timeout-ms", 1, MAX_MS) ?? 5_000;
  return { event, redisUrl, backend, timeoutMs };
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
 * Runs `necrostack enqueue`; resolves 0 once Redis has the event, 1 when it did not accept it
 * in time. Throws `UsageError` for bad flags or an invalid event.
 */
export async function runEnqueue(argv: readonly string[], io: CliIO): Promise<number> {
  const config = parseEnqueueArgs(argv, io.env);
  if (config === "help") {
    io.stdout(ENQUEUE_USAGE);
    return 0;
  }
  const { RedisBackend } = await import("../redis.js");
  const backend = new RedisBackend({ ...config.backend, logger: false });
  const where = `stream ${config.backend.streamKey ?? "necrostack:events"} at ${maskUrl(config.redisUrl)}`;
  try {
    await withDeadline(
      backend.enqueue(config.event),
      config.timeoutMs,
      `Redis did not accept it within ${config.timeoutMs} ms`,
    );
    io.stdout(`${config.event.id}\n`);
    return 0;
  } catch (error) {
    io.stderr(
      `necrostack enqueue: could not add the event to ${where}: ${maskSecrets(messageOf(error))}\n`,
    );
    return 1;
  } finally {
    // A server that never answered must not keep the command waiting on close either.
    await withDeadline(backend.close(), 1_000, "close timed out").catch(() => undefined);
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
