/**
 * Structured JSON logs, one object per line, through pino. The field names are the ones
 * NecroStack has always logged: `timestamp` (ISO 8601 UTC), `level` ("INFO", "WARN", ...),
 * `message`, `logger`, plus `event_id`, `event_type`, `organ`, `emitted`, `error` where they apply.
 */
import pino from "pino";
import { maskSecrets } from "../utils/redact.js";
import { InvalidOptionError, messageOf } from "./errors.js";

/** A pino logger. Pass your own, or let NecroStack build one with {@link createLogger}. */
export type Logger = pino.Logger;

/** The level names NecroStack accepts. */
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

const LEVELS: readonly string[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /**
   * The lowest level written.
   * @defaultValue `process.env.NECROSTACK_LOG_LEVEL`, else `"info"`
   */
  level?: LogLevel;
  /**
   * Where lines go: a file descriptor, a file path, or any pino destination stream.
   * @defaultValue 2 (stderr)
   */
  destination?: number | string | pino.DestinationStream;
  /** The `logger` field of every line. @defaultValue `"necrostack"` */
  name?: string;
}

/** The level from `NECROSTACK_LOG_LEVEL`, or `"info"`. Throws on an unknown level name. */
export function levelFromEnv(): LogLevel {
  const raw = process.env.NECROSTACK_LOG_LEVEL;
  if (raw === undefined || raw === "") return "info";
  const level = raw.toLowerCase();
  if (level === "warning") return "warn";
  if (!LEVELS.includes(level)) {
    throw new InvalidOptionError(
      "NECROSTACK_LOG_LEVEL",
      `one of ${LEVELS.join(", ")}`,
      process.env.NECROSTACK_LOG_LEVEL,
    );
  }
  return level as LogLevel;
}

/** Builds a pino logger that writes NecroStack's JSON line format. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? levelFromEnv();
  if (!LEVELS.includes(level)) {
    throw new InvalidOptionError("level", `one of ${LEVELS.join(", ")}`, level);
  }
  const destination = options.destination ?? 2;
  // Synchronous: a line is in the file (the OS's cache) when the call returns, so a SIGKILL, an
  // out-of-memory kill or a signal with no handler loses no line, and the lines just before a
  // crash are the ones that matter. An asynchronous destination buffers lines and writes them
  // on a libuv thread, flushing on a normal exit only. In the benchmark's info-logged chain the
  // synchronous one did more per CPU second (about 125,000 events against 100,000) and over
  // 100,000 events/s on an idle machine; the asynchronous one was faster only when other
  // processes competed for the CPU. Pass `pino.destination({ dest, sync: false })` for that.
  const stream =
    typeof destination === "number" || typeof destination === "string"
      ? pino.destination({ dest: destination, sync: true })
      : destination;
  return build(level, stream, options.name ?? "necrostack");
}

let lastMs = Number.NaN;
let lastTimestamp = "";

/**
 * The `timestamp` field of a line. `toISOString()` took a tenth of an info-logged run; at speed
 * many lines share a millisecond, so the text is built once per millisecond.
 */
function timestampField(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTimestamp = `,"timestamp":"${new Date(now).toISOString()}"`;
  }
  return lastTimestamp;
}

/** The stream of each logger {@link createLogger} built. */
const streams = new WeakMap<Logger, pino.DestinationStream>();

function build(level: string, stream: pino.DestinationStream, name: string): Logger {
  const logger = pino(
    {
      level,
      messageKey: "message",
      base: { logger: name },
      timestamp: timestampField,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    },
    stream,
  );
  streams.set(logger, stream);
  return logger;
}

/** Resolves the Spine's `logger` option to a logger named `name`. */
export function resolveLogger(logger: Logger | false | undefined, name: string): Logger {
  if (logger === false) return pino({ level: "silent" });
  if (logger === undefined) return createLogger({ name });
  // A logger from createLogger already writes a `logger` field, and pino's child would write the
  // field a second time: build one on the same stream and level under the new name instead.
  const stream = streams.get(logger);
  if (stream !== undefined) return build(logger.level, stream, name);
  return logger.child({ logger: name });
}

/** An error as a log field: its message, with any URL password masked. */
export function errorField(error: unknown): string {
  return maskSecrets(messageOf(error));
}
