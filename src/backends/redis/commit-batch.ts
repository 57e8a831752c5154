/**
 * Commits that arrive in the same tick go to Redis together. With many events in flight, the
 * Spine finishes a whole batch of them before any I/O happens; one script call instead of one per
 * event saves most of the per-command cost on both sides. Each commit still resolves with its own
 * entry's result.
 *
 * A flush is cut into calls of at most {@link CALL_MAX_ARGS} arguments and about
 * {@link CALL_MAX_BYTES} bytes, so a tick of large fan-outs never builds one giant call that
 * holds Redis (and this process's memory) at once. One entry's commit is never split: each entry's
 * ack and emitted events stay one atomic step, so an entry larger than the cut goes in a call of
 * its own, up to {@link MAX_COMMIT_BYTES}.
 */
import type { StreamClient } from "./client.js";
import { CommitTooLargeError } from "./errors.js";
import { COMMIT } from "./scripts.js";
import type { EmittedTexts } from "./wire.js";

/** Arguments per script call before a flush starts another. */
export const CALL_MAX_ARGS = 8_192;
/** Bytes of event and header JSON per script call before a flush starts another. */
export const CALL_MAX_BYTES = 4 * 1024 * 1024;
/**
 * The largest single commit: the JSON of every event one handled event emitted, and of their
 * headers. Past it the
 * commit is refused with `CommitTooLargeError`; Redis itself closes a connection whose query
 * passes 1 GiB (`client-query-buffer-limit`), and one script this size holds Redis for seconds.
 */
export const MAX_COMMIT_BYTES = 256 * 1024 * 1024;

interface PendingCommit {
  readonly id: string;
  readonly emitted: EmittedTexts;
  /** UTF-16 length of the texts: a cheap stand-in for their size in bytes. */
  readonly size: number;
  resolve(result: number): void;
  reject(error: unknown): void;
}

export class CommitBatch {
  readonly #client: StreamClient;
  readonly #stream: string;
  readonly #head: readonly (string | number)[];
  #queue: PendingCommit[] = [];
  /** Script calls sent and not answered: one entry per call, not per commit. */
  readonly #calls = new Set<Promise<unknown>>();

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
   * Acks entry `id` and adds the `emitted` events (see wire.ts) if this consumer still owns it.
   * Resolves the number added, or a negative code of the commit script (see scripts.ts).
   */
  commit(id: string, emitted: EmittedTexts): Promise<number> {
    const { texts } = emitted;
    let size = 0;
    for (const text of texts) size += text.length;
    // A UTF-16 unit is at most 3 bytes of UTF-8: refuse only what is surely too large, and
    // measure exactly only near the limit.
    if (size * 3 > MAX_COMMIT_BYTES) {
      let bytes = 0;
      for (const text of texts) bytes += Buffer.byteLength(text);
      if (bytes > MAX_COMMIT_BYTES) {
        const count = emitted.withHeaders ? texts.length / 2 : texts.length;
        return Promise.reject(new CommitTooLargeError(id, count, bytes, MAX_COMMIT_BYTES));
      }
    }
    return new Promise((resolve, reject) => {
      // Flushed after the current run of microtasks: every commit made meanwhile joins in.
      if (this.#queue.length === 0) process.nextTick(() => this.#flush());
      this.#queue.push({ id, emitted, size, resolve, reject });
    });
  }

  /** Sends what is queued now, and resolves once every call sent has been answered (or failed). */
  async settled(): Promise<void> {
    this.#flush();
    await Promise.allSettled(Array.from(this.#calls));
  }

  #flush(): void {
    const queue = this.#queue;
    // A flush already sent them (settled() before the tick's flush).
    if (queue.length === 0) return;
    this.#queue = [];
    let from = 0;
    let args = 0;
    let bytes = 0;
    for (let i = 0; i < queue.length; i++) {
      const pending = queue[i] as PendingCommit;
      const entryArgs = 2 + pending.emitted.texts.length;
      if (i > from && (args + entryArgs > CALL_MAX_ARGS || bytes + pending.size > CALL_MAX_BYTES)) {
        this.#send(queue.slice(from, i));
        from = i;
        args = 0;
        bytes = 0;
      }
      args += entryArgs;
      bytes += pending.size;
    }
    this.#send(from === 0 ? queue : queue.slice(from));
  }

  #send(batch: readonly PendingCommit[]): void {
    const args: (string | number)[] = this.#head.slice();
    for (const { id, emitted } of batch) {
      const { texts, withHeaders } = emitted;
      // A negative count: each event's JSON is followed by its headers' JSON (see COMMIT).
      args.push(id, withHeaders ? -texts.length / 2 : texts.length);
      for (const text of texts) args.push(text);
    }
    const call = this.#client.runScript(COMMIT, [this.#stream], args);
    this.#calls.add(call);
    call.then(
      (reply) => {
        const results = reply as readonly unknown[];
        for (let i = 0; i < batch.length; i++)
          (batch[i] as PendingCommit).resolve(Number(results[i]));
      },
      (error: unknown) => {
        for (const pending of batch) pending.reject(error);
      },
    );
    const forget = (): void => {
      this.#calls.delete(call);
    };
    call.then(forget, forget);
  }
}
