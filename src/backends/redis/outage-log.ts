/**
 * Bounded logging for connection trouble. While Redis is down every reconnect attempt fails and
 * every timer's command fails: logging each would flood. One line says the connection is lost,
 * one line per {@link REPEAT_MS} says it still is, one says it is back.
 */
import { errorField, type Logger } from "../../core/logging.js";

/** The least time between two lines about the same ongoing problem. */
export const REPEAT_MS = 30_000;

export class OutageLog {
  readonly #log: Logger;
  readonly #target: string;
  #downSince: number | undefined;
  #failedAttempts = 0;
  readonly #lastLine = new Map<string, number>();

  constructor(log: Logger, target: string) {
    this.#log = log;
    this.#target = target;
  }

  /** Whether a connection error was seen since the last successful (re)connect. */
  get down(): boolean {
    return this.#downSince !== undefined;
  }

  /** A connection reported an error (typically a failed connect or reconnect attempt). */
  connectionError(error: unknown): void {
    this.#failedAttempts++;
    const now = Date.now();
    if (this.#downSince === undefined) {
      this.#downSince = now;
      this.#lastLine.set("outage", now);
      this.#log.warn(
        { error: errorField(error), redis: this.#target },
        `Lost the connection to Redis at ${this.#target}: ${errorField(error)}; reconnecting`,
      );
      return;
    }
    if (this.#due("outage", now)) {
      this.#log.warn(
        { error: errorField(error), redis: this.#target, attempts: this.#failedAttempts },
        `Redis at ${this.#target} still unreachable after ${Math.round((now - this.#downSince) / 1000)} s: ${errorField(error)}`,
      );
    }
  }

  /** The command connection is ready again. Returns true when it had been lost. */
  connected(): boolean {
    const since = this.#downSince;
    if (since === undefined) return false;
    this.#log.info(
      { redis: this.#target, down_ms: Date.now() - since, attempts: this.#failedAttempts },
      `Reconnected to Redis at ${this.#target} after ${Date.now() - since} ms`,
    );
    this.#downSince = undefined;
    this.#failedAttempts = 0;
    this.#lastLine.delete("outage");
    return true;
  }

  /**
   * A background task failed. Logged at most once per {@link REPEAT_MS} per task, and not at all
   * during an outage, whose own lines already say why.
   */
  taskFailed(task: string, error: unknown): void {
    if (this.down || !this.#due(task, Date.now())) return;
    this.#log.warn(
      { error: errorField(error), redis: this.#target, task },
      `Redis ${task} failed (retrying with backoff): ${errorField(error)}`,
    );
  }

  #due(key: string, now: number): boolean {
    const last = this.#lastLine.get(key);
    if (last !== undefined && now - last < REPEAT_MS) return false;
    this.#lastLine.set(key, now);
    return true;
  }
}
