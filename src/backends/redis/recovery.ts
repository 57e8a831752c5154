/**
 * Recovery: what happens to entries left pending by a consumer that died, stalled or failed.
 * Run on a timer, never per pull. An entry idle longer than `claimMinIdleMs`:
 * - delivered `maxRetries` times already: moved to the dead-letter stream and acked;
 * - gone from the stream (trimmed or deleted while pending): acked and dropped, never retried;
 * - otherwise: claimed by this consumer (XCLAIM with min-idle, so when two consumers claim one
 *   entry at once only one gets it) and handed out by `pull`; except an entry this consumer
 *   handed back and has not pulled since, which is left to consumers that pull.
 */
import type { Logger } from "../../core/logging.js";
import type { PendingEntry, StreamClient, StreamEntry } from "./client.js";
import type { MetricsCounter } from "./metrics.js";
import type { ResolvedRedisBackendOptions } from "./options.js";
import { DEAD_LETTER } from "./scripts.js";

/** Pending entries looked at per round. */
export const RECOVERY_PAGE = 100;

/** What recovery needs from the backend. */
export interface RecoveryHost {
  readonly client: StreamClient;
  readonly options: ResolvedRedisBackendOptions;
  readonly metrics: MetricsCounter;
  readonly log: Logger;
  /** Ids of the entries this consumer holds now (read and not yet settled). */
  heldIds(): ReadonlySet<string>;
  /** Whether this consumer handed back the entry and has not pulled since: left to others. */
  handedBack(id: string): boolean;
  /** How many more entries this consumer may hold. */
  freeSlots(): number;
  /** Takes claimed entries for `pull` to hand out, with how often each has been delivered. */
  accept(entries: readonly StreamEntry[], deliveries: ReadonlyMap<string, number>): void;
}

/** What one round did, and where the next should look. */
export interface RecoveryRound {
  /** Entries claimed, dead-lettered or dropped: the round changed something. */
  readonly settled: number;
  /**
   * Where the next round starts: after this entry id when the page was full (more idle entries
   * may follow), else from the start of the pending list.
   */
  readonly next: string | undefined;
}

/**
 * One recovery round over a page of idle entries, starting after `after`. The caller runs the
 * next round at once only when this one settled something, a full page says more may wait, and
 * slots are free; otherwise at its normal interval. A round that can do nothing (every slot
 * busy, every idle entry held) must not be repeated at once: that spins on XPENDING.
 */
export async function recoverIdleEntries(
  host: RecoveryHost,
  after: string | undefined,
): Promise<RecoveryRound> {
  const { client, options } = host;
  const { streamKey, consumerGroup, claimMinIdleMs, maxRetries } = options;
  const pending = await client.pendingIdle(
    streamKey,
    consumerGroup,
    claimMinIdleMs,
    RECOVERY_PAGE,
    after,
  );
  const next = pending.length === RECOVERY_PAGE ? pending[pending.length - 1]?.id : undefined;
  if (pending.length === 0) return { settled: 0, next };
  const held = host.heldIds();
  const toClaim: string[] = [];
  const deliveries = new Map<string, number>();
  let slots = host.freeSlots();
  let settled = 0;
  for (const entry of pending) {
    // Ours and in hand: its handler is still running (the keep-alive was late), not abandoned.
    if (held.has(entry.id)) continue;
    if (host.handedBack(entry.id)) continue;
    if (entry.deliveries >= maxRetries) {
      if (await deadLetterExhausted(host, entry)) settled++;
    } else if (slots > 0) {
      toClaim.push(entry.id);
      // XCLAIM counts one more delivery.
      deliveries.set(entry.id, entry.deliveries + 1);
      slots--;
    }
  }
  if (toClaim.length > 0) settled += await claim(host, toClaim, deliveries);
  return { settled, next };
}

/** Resolves whether the entry left the pending list (dead-lettered, or dropped as gone). */
async function deadLetterExhausted(host: RecoveryHost, entry: PendingEntry): Promise<boolean> {
  const { streamKey, dlqStream, consumerGroup, claimMinIdleMs, maxRetries } = host.options;
  const reason = `Exceeded ${maxRetries} deliveries (last delivered to consumer ${entry.consumer}, unacked for ${entry.idleMs} ms)`;
  const result = await host.client.runScript(
    DEAD_LETTER,
    [streamKey, dlqStream],
    [consumerGroup, entry.id, reason, new Date().toISOString(), "", claimMinIdleMs, ""],
  );
  if (result === 1) {
    host.metrics.eventsFailed++;
    host.log.warn(
      { entry_id: entry.id, deliveries: entry.deliveries, dlq: dlqStream },
      `Moved entry ${entry.id} to ${dlqStream}: ${reason}`,
    );
  } else if (result === 0) {
    dropped(host, entry.id);
  }
  return result === 1 || result === 0;
}

/** Resolves how many entries were claimed or dropped. */
async function claim(
  host: RecoveryHost,
  ids: readonly string[],
  deliveries: ReadonlyMap<string, number>,
): Promise<number> {
  const { client, options } = host;
  const { streamKey, consumerGroup, consumerName, claimMinIdleMs } = options;
  const claimed = await client.claim(streamKey, consumerGroup, consumerName, claimMinIdleMs, ids);
  const live: StreamEntry[] = [];
  const returned = new Set<string>();
  let settled = 0;
  for (const entry of claimed) {
    returned.add(entry.id);
    settled++;
    if (entry.fields === null) {
      // Redis before 7 returns a deleted entry as an id with no fields and keeps it pending.
      await client.ack(streamKey, consumerGroup, [entry.id]);
      dropped(host, entry.id);
    } else {
      live.push(entry);
    }
  }
  for (const id of ids) {
    if (returned.has(id)) continue;
    // Not claimed: either another consumer took it first (leave it alone) or it is gone from the
    // stream (Redis 7 then drops it from the pending list; ack it anyway for older servers).
    if (!(await client.entryExists(streamKey, id))) {
      await client.ack(streamKey, consumerGroup, [id]);
      dropped(host, id);
      settled++;
    }
  }
  if (live.length > 0) {
    host.metrics.pendingRecovered += live.length;
    host.log.info(
      { entries: live.length, stream: streamKey },
      `Claimed ${live.length} idle entr${live.length === 1 ? "y" : "ies"} for redelivery`,
    );
    host.accept(live, deliveries);
  }
  return settled;
}

function dropped(host: RecoveryHost, id: string): void {
  host.metrics.entriesDropped++;
  host.log.warn(
    { entry_id: id, stream: host.options.streamKey },
    `Pending entry ${id} is no longer in ${host.options.streamKey} (trimmed or deleted); acked and dropped`,
  );
}
