/**
 * Connection state and bounded logging for connection trouble. While Redis is down every
 * reconnect attempt fails and every timer's command fails: logging each would flood. One line
 * says a connection is lost, one line per {@link REPEAT_MS} says it still is, one says it is back.
 *
 * State is kept per connection: the blocking reader can fail alone (its socket reset) while
 * commands still work, and what runs on the command connection (keep-alive, recovery) must not
 * stop for a reader's trouble, nor resume before its own connection is back.
 */
import { errorField, type Logger } from "../../core/logging.js";
import type { ConnectionRole } from "./client.js";

/** The least time between two lines about the same ongoing problem. */
export const REPEAT_MS = 30_000;

export class OutageLog {
  readonly #log: Logger;
  readonly #target: string;
  /** When each connection that is down now went down. */
  readonly #downSince = new Map<ConnectionRole, number>();
  #failedAttempts = 0;
  readonly #lastLine = new Map<string, number>();

  constructor(log: Logger, target: string) {
    this.#log = log;
    this.#target = target;
  }

  /** Whether `connection` saw an error since it was last ready. */
  isDown(connection: ConnectionRole): boolean {
    return this.#downSince.has(connection);
  }

  /** A connection reported an error (typically a failed connect or reconnect attempt). */
  connectionError(connection: ConnectionRole, error: unknown): void {
    this.#failedAttempts++;
    const now = Date.now();
    const wasDown = this.#downSince.size > 0;
    const since = this.#downSince.get(connection);
    if (since === undefined) this.#downSince.set(connection, now);
    if (!wasDown) {
      this.#lastLine.set("outage", now);
      this.#log.warn(
        { error: errorField(error), redis: this.#target, connection },
        `Lost the connection to Redis at ${this.#target}: ${errorField(error)}; reconnecting`,
      );
      return;
    }
    if (this.#due("outage", now)) {
      let first = now;
      for (const at of this.#downSince.values()) first = Math.min(first, at);
      this.#log.warn(
        {
          error: errorField(error),
          redis: this.#target,
          connection,
          attempts: this.#failedAttempts,
        },
        `Redis at ${this.#target} still unreachable after ${Math.round((now - first) / 1000)} s: ${errorField(error)}`,
      );
    }
  }

  /**
   * `connection` is ready again. Logs the end of the outage once every connection is back;
   * returns true when this connection had been lost.
   */
  connected(connection: ConnectionRole): boolean {
    const since = this.#downSince.get(connection);
    if (since === undefined) return false;
    this.#downSince.delete(connection);
    if (this.#downSince.size > 0) return true;
    this.#log.info(
      { redis: this.#target, down_ms: Date.now() - since, attempts: this.#failedAttempts },
      `Reconnected to Redis at ${this.#target} after ${Date.now() - since} ms`,
    );
    this.#failedAttempts = 0;
    this.#lastLine.delete("outage");
    return true;
  }

  /**
   * A background task on the command connection failed. Logged at most once per
   * {@link REPEAT_MS} per task, and not at all while that connection is down, whose own lines
   * already say why.
   */
  taskFailed(task: string, error: unknown): void {
    if (this.isDown("commands") || !this.#due(task, Date.now())) return;
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
