/**
 * Commits that arrive in the same tick go to Redis as one script call. With many events in
 * flight, the Spine finishes a whole batch of them before any I/O happens; one call instead of
 * one per event saves most of the per-command cost on both sides. Each commit still resolves
 * with its own entry's result.
 */
import type { StreamClient } from "./client.js";
import { COMMIT } from "./scripts.js";

interface PendingCommit {
  readonly id: string;
  readonly events: readonly string[];
  resolve(result: number): void;
  reject(error: unknown): void;
}

export class CommitBatch {
  readonly #client: StreamClient;
  readonly #stream: string;
  readonly #head: readonly (string | number)[];
  #queue: PendingCommit[] = [];

  /**
   * `limit` bounds the one read of this consumer's pending list that checks ownership: a few
   * times the most entries it holds, so the read is almost never cut short.
   */
  constructor(
    client: StreamClient,
    stream: string,
    group: string,
    consumer: string,
    maxLen: number,
    limit: number,
  ) {
    this.#client = client;
    this.#stream = stream;
    this.#head = [group, consumer, maxLen, limit];
  }

  /**
   * Acks entry `id` and adds `events` (JSON texts) if this consumer still owns it. Resolves the
   * number added, -1 when the entry is no longer ours, -2 when the group is gone.
   */
  commit(id: string, events: readonly string[]): Promise<number> {
    return new Promise((resolve, reject) => {
      // Flushed after the current run of microtasks: every commit made meanwhile joins in.
      if (this.#queue.length === 0) process.nextTick(() => this.#flush());
      this.#queue.push({ id, events, resolve, reject });
    });
  }

  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    const args: (string | number)[] = [...this.#head];
    for (const pending of batch) {
      args.push(pending.id, pending.events.length);
      for (const json of pending.events) args.push(json);
    }
    this.#client.runScript(COMMIT, [this.#stream], args).then(
      (reply) => {
        const results = reply as readonly unknown[];
        for (let i = 0; i < batch.length; i++)
          (batch[i] as PendingCommit).resolve(Number(results[i]));
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
  }
}
