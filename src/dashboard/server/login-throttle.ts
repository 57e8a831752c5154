/**
 * Wrong tokens per client address. After {@link MAX_FAILURES} wrong tokens within
 * {@link WINDOW_MS} from one address, that address's token attempts (the login form and bearer
 * headers) are refused with 429 until the window ends, without the token being looked at: a
 * token cannot be guessed at network speed, and a refused guess says nothing about whether it
 * was right. The session cookie is never throttled: it is an HMAC nobody guesses, so a user
 * already logged in behind the same proxy as a guesser keeps working.
 *
 * Bounded: at most {@link MAX_CLIENTS} addresses are remembered. Windows all have one length,
 * so the Map's insertion order is the order they end in, and the first entry is the one to drop.
 */

export const MAX_FAILURES = 10;
export const WINDOW_MS = 60_000;
export const MAX_CLIENTS = 10_000;

interface Failures {
  count: number;
  readonly endsAt: number;
}

export class LoginThrottle {
  readonly #clients = new Map<string, Failures>();
  readonly #now: () => number;

  /** `now` is the clock (epoch ms); tests pass their own. */
  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** How many addresses are remembered. */
  get size(): number {
    return this.#clients.size;
  }

  /** Ms until `client` may try a token again; 0 when it may now. */
  retryAfterMs(client: string): number {
    const failures = this.#clients.get(client);
    if (failures === undefined) return 0;
    const left = failures.endsAt - this.#now();
    if (left <= 0) {
      this.#clients.delete(client);
      return 0;
    }
    return failures.count >= MAX_FAILURES ? left : 0;
  }

  /** Counts a wrong token from `client`. */
  failed(client: string): void {
    const now = this.#now();
    const failures = this.#clients.get(client);
    if (failures !== undefined && failures.endsAt > now) {
      failures.count++;
      return;
    }
    // A new window goes to the end of the order, behind every window that ends sooner.
    this.#clients.delete(client);
    while (this.#clients.size >= MAX_CLIENTS) {
      const oldest = this.#clients.keys().next().value as string;
      this.#clients.delete(oldest);
    }
    this.#clients.set(client, { count: 1, endsAt: now + WINDOW_MS });
  }

  /** Forgets `client`'s failures: it gave the right token. */
  succeeded(client: string): void {
    this.#clients.delete(client);
  }
}
