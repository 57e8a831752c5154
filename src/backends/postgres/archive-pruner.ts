/**
 * Deletes archived rows older than the retention, in batches, in the background of every backend
 * that keeps an archive. Batches are bounded (rows per statement and statements per round), so a
 * huge backlog is worked off over several rounds instead of one long lock-holding delete, and
 * backends pruning at the same time skip each other's rows instead of waiting on them.
 */
import type { SqlClient } from "./client.js";

/** Rows per DELETE. */
export const PRUNE_BATCH = 5_000;
/** DELETEs per round at most; the rest waits for the next round. */
const ROUND_BATCHES = 20;
/** Rounds are a tenth of the retention apart, within these bounds. */
const MIN_EVERY_MS = 1_000;
const MAX_EVERY_MS = 60_000;

export interface PruneRound {
  readonly pruned: number;
  /** Whether rows older than the retention may be left (the round hit its bound). */
  readonly more: boolean;
}

export class ArchivePruner {
  readonly #statement: string;
  readonly #retentionMs: number;
  readonly #failed: (error: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #round: Promise<PruneRound> | undefined;
  #stopped = false;

  /** `statement` is `Statements.prune`; `failed` hears a round that failed (the next one retries). */
  constructor(statement: string, retentionMs: number, failed: (error: unknown) => void) {
    this.#statement = statement;
    this.#retentionMs = retentionMs;
    this.#failed = failed;
  }

  /** How long between two rounds. */
  get everyMs(): number {
    return Math.min(MAX_EVERY_MS, Math.max(MIN_EVERY_MS, Math.floor(this.#retentionMs / 10)));
  }

  /** Starts the rounds (the first one at once); idempotent. */
  start(client: SqlClient): void {
    if (this.#timer !== undefined || this.#stopped) return;
    const tick = (): void => {
      this.#round = this.prune(client);
      this.#round
        .catch((error: unknown) => {
          this.#failed(error);
        })
        .finally(() => {
          if (this.#stopped) return;
          this.#timer = setTimeout(tick, this.everyMs);
          this.#timer.unref?.();
        });
    };
    this.#timer = setTimeout(tick, 0);
    this.#timer.unref?.();
  }

  /** One round: DELETEs of {@link PRUNE_BATCH} rows until one deletes fewer, or the round's bound. */
  async prune(client: SqlClient): Promise<PruneRound> {
    let pruned = 0;
    for (let n = 0; n < ROUND_BATCHES; n++) {
      if (this.#stopped) return { pruned, more: true };
      const [row] = await client.query<{ pruned: number }>(this.#statement, [
        this.#retentionMs,
        PRUNE_BATCH,
      ]);
      const deleted = row?.pruned ?? 0;
      pruned += deleted;
      if (deleted < PRUNE_BATCH) return { pruned, more: false };
    }
    return { pruned, more: true };
  }

  /** Stops the rounds and waits for the one under way. Never rejects. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round?.catch(() => undefined);
  }
}
