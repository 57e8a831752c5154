/**
 * The demos' logger. A demo prints its story on stdout; the Spine's JSON log lines go to stderr,
 * and by default only warnings and errors, so the quick start reads cleanly. `--verbose` shows
 * every step (level info); NECROSTACK_LOG_LEVEL picks any level.
 */
import { createLogger, type Logger, type LogLevel } from "../core/logging.js";
import type { CliIO } from "./command.js";

/** The level a demo logs at: info with `--verbose`, else NECROSTACK_LOG_LEVEL, else warn. */
export function demoLogLevel(verbose: boolean, env: NodeJS.ProcessEnv): LogLevel {
  if (verbose) return "info";
  const raw = env.NECROSTACK_LOG_LEVEL?.trim().toLowerCase();
  if (raw === undefined || raw === "") return "warn";
  // createLogger rejects a name that is not a level, naming the allowed ones.
  return (raw === "warning" ? "warn" : raw) as LogLevel;
}

/** A logger writing JSON lines through `io.stderr`. */
export function demoLogger(verbose: boolean, io: CliIO): Logger {
  return createLogger({
    level: demoLogLevel(verbose, io.env),
    destination: { write: (line: string) => io.stderr(line) },
  });
}
