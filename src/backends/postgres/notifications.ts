/**
 * The one LISTEN connection of a backend. While it is up, a NOTIFY on the stream's channel wakes
 * waiting pulls at once; when it is lost (a server restart, a network cut), pulls fall back to
 * polling and it is opened again with a backoff. Every change of state also wakes the pulls, so
 * anything enqueued while no one listened is looked for.
 */
import type { Logger } from "../../core/logging.js";
import { errorField } from "../../core/logging.js";
import { backoff } from "../../utils/backoff.js";
import type { Listener, SqlClient } from "./client.js";

const RECONNECT = { initialMs: 100, factor: 2, maxMs: 5_000 } as const;

export class Notifications {
  readonly #client: SqlClient;
  readonly #channel: string;
  readonly #wake: () => void;
  readonly #log: Logger;
  #listener: Listener | undefined;
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #opening: Promise<void> | undefined;

  constructor(client: SqlClient, channel: string, wake: () => void, log: Logger) {
    this.#client = client;
    this.#channel = channel;
    this.#wake = wake;
    this.#log = log;
  }

  /** Whether notifications arrive now. */
  get listening(): boolean {
    return this.#listener !== undefined;
  }

  /** Opens the connection; resolves once it listens or has failed (then it retries later). */
  start(): Promise<void> {
    if (this.#stopped || this.#listener !== undefined) return Promise.resolve();
    this.#opening ??= this.#open();
    return this.#opening;
  }

  async #open(): Promise<void> {
    if (this.#stopped) return;
    try {
      const listener = await this.#client.listen(this.#channel, {
        notified: this.#wake,
        lost: (error) => this.#lost(error),
      });
      if (this.#stopped) {
        await listener.close();
        return;
      }
      if (this.#failures > 0) {
        this.#log.info({ channel: this.#channel }, `LISTEN ${this.#channel} restored`);
      }
      this.#failures = 0;
      this.#listener = listener;
      this.#wake();
    } catch (error) {
      this.#retryLater(error);
    } finally {
      this.#opening = undefined;
    }
  }

  #lost(error: unknown): void {
    this.#listener = undefined;
    if (this.#stopped) return;
    this.#wake();
    this.#retryLater(error);
  }

  #retryLater(error: unknown): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#failures++;
    const delay = backoff(RECONNECT, this.#failures);
    // Said once per outage: the pulls report the outage themselves, on every failure.
    if (this.#failures === 1) {
      this.#log.warn(
        { channel: this.#channel, error: errorField(error) },
        `LISTEN ${this.#channel} is down; polling until it is back (retrying in ${delay} ms)`,
      );
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.start();
    }, delay);
    this.#timer.unref?.();
  }

  /** Closes the connection and stops reopening it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#opening;
    const listener = this.#listener;
    this.#listener = undefined;
    await listener?.close();
  }
}
