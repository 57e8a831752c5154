/**
 * Fails the commands a connection has sent when it has answered none of them for
 * `commandTimeoutMs`: a stopped server, or one behind a half-open socket, never answers, and
 * without this every commit and ack would wait for it forever.
 *
 * One timer per connection, not one per command: Redis answers the commands of a connection in
 * the order they were sent, so the oldest unanswered command tells whether the connection is
 * moving. If the same command is still first in line `commandTimeoutMs` after it was first seen
 * there, nothing was answered meanwhile, and every command waiting on the connection fails.
 * A timer per command (ioredis's `commandTimeout`) costs a timer set and cleared for every
 * enqueue and commit: about a twentieth of the throughput of a chain of handlers.
 *
 * It reads ioredis's queue of sent commands, the same queue ioredis's own `commandTimeout`
 * rejects from; {@link sentQueueOf} returns undefined when a client has no such queue, and the
 * caller then falls back to `commandTimeout`.
 */
import { CommandTimeoutError } from "./errors.js";

/** A command sent and not yet answered, as ioredis keeps it. */
interface SentCommand {
  readonly isSettled?: boolean;
  reject(error: Error): void;
}

/** ioredis's queue of sent commands (a Denque of `{ command }`), oldest first. */
export interface SentQueue {
  readonly length: number;
  peekAt(index: number): { readonly command: SentCommand } | undefined;
}

/** The queue of sent commands of an ioredis connection, or undefined if it has none to read. */
export function sentQueueOf(connection: object): SentQueue | undefined {
  const queue = (connection as { commandQueue?: unknown }).commandQueue;
  if (typeof queue !== "object" || queue === null) return undefined;
  const candidate = queue as Partial<SentQueue>;
  return typeof candidate.length === "number" && typeof candidate.peekAt === "function"
    ? (queue as SentQueue)
    : undefined;
}

/** How often the queue is looked at: a fifth of the timeout, within 10 ms and 1 s. */
export function checkIntervalMs(timeoutMs: number): number {
  return Math.min(1_000, Math.max(10, Math.floor(timeoutMs / 5)));
}

export class CommandWatchdog {
  /** ioredis replaces a connection's queue when the connection closes: read it at every look. */
  readonly #queueOf: () => SentQueue | undefined;
  readonly #timeoutMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** The command first in line at the last look, and since when it has been. */
  #oldest: SentCommand | undefined;
  #oldestSince = 0;

  constructor(queueOf: () => SentQueue | undefined, timeoutMs: number) {
    this.#queueOf = queueOf;
    this.#timeoutMs = timeoutMs;
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(
      () => this.check(performance.now()),
      checkIntervalMs(this.#timeoutMs),
    );
    // Watching must never keep a process alive on its own.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /**
   * One look at the queue at time `now` (ms, monotonic); returns how many commands it failed.
   * Public for tests.
   */
  check(now: number): number {
    const queue = this.#queueOf();
    const first = queue !== undefined && queue.length > 0 ? queue.peekAt(0)?.command : undefined;
    if (first !== this.#oldest) {
      this.#oldest = first;
      this.#oldestSince = now;
      return 0;
    }
    if (queue === undefined || first === undefined || now - this.#oldestSince < this.#timeoutMs) {
      return 0;
    }
    const error = new CommandTimeoutError(this.#timeoutMs);
    let failed = 0;
    // Bounded by the queue's length now: commands sent after this look are not failed.
    for (let i = 0, n = queue.length; i < n; i++) {
      const command = queue.peekAt(i)?.command;
      if (command === undefined || command.isSettled === true) continue;
      // The commands stay in ioredis's queue: a late answer is matched to its command as usual
      // and ignored, since its promise has settled.
      command.reject(error);
      failed++;
    }
    this.#oldest = undefined;
    return failed;
  }
}
