/**
 * Recovery: what happens to entries left pending by a consumer that died, stalled or failed.
 * Run on a timer, never per pull. An entry idle longer than `claimMinIdleMs`:
 * - delivered `maxRetries` times already: moved to the dead-letter stream and acked;
 * - gone from the stream (trimmed or deleted while pending): acked and dropped, never retried;
 * - otherwise: claimed by this consumer (XCLAIM with min-idle, so when two consumers claim one
 *   entry at once only one gets it) and handed out by `pull`.
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
  /** How many more entries this consumer may hold. */
  freeSlots(): number;
  /** Takes claimed entries for `pull` to hand out, with how often each has been delivered. */
  accept(entries: readonly StreamEntry[], deliveries: ReadonlyMap<string, number>): void;
}

/** One recovery round. Resolves true when a full page was seen, so another round should follow soon. */
export async function recoverIdleEntries(host: RecoveryHost): Promise<boolean> {
  const { client, options } = host;
  const { streamKey, consumerGroup, claimMinIdleMs, maxRetries } = options;
  const pending = await client.pendingIdle(streamKey, consumerGroup, claimMinIdleMs, RECOVERY_PAGE);
  if (pending.length === 0) return false;
  const held = host.heldIds();
  const toClaim: string[] = [];
  const deliveries = new Map<string, number>();
  let slots = host.freeSlots();
  for (const entry of pending) {
    // Ours and in hand: its handler is still running (the keep-alive was late), not abandoned.
    if (held.has(entry.id)) continue;
    if (entry.deliveries >= maxRetries) await deadLetterExhausted(host, entry);
    else if (slots > 0) {
      toClaim.push(entry.id);
      // XCLAIM counts one more delivery.
      deliveries.set(entry.id, entry.deliveries + 1);
      slots--;
    }
  }
  if (toClaim.length > 0) await claim(host, toClaim, deliveries);
  return pending.length === RECOVERY_PAGE;
}

async function deadLetterExhausted(host: RecoveryHost, entry: PendingEntry): Promise<void> {
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
}

async function claim(
  host: RecoveryHost,
  ids: readonly string[],
  deliveries: ReadonlyMap<string, number>,
): Promise<void> {
  const { client, options } = host;
  const { streamKey, consumerGroup, consumerName, claimMinIdleMs } = options;
  const claimed = await client.claim(streamKey, consumerGroup, consumerName, claimMinIdleMs, ids);
  const live: StreamEntry[] = [];
  const returned = new Set<string>();
  for (const entry of claimed) {
    returned.add(entry.id);
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
}

function dropped(host: RecoveryHost, id: string): void {
  host.metrics.entriesDropped++;
  host.log.warn(
    { entry_id: id, stream: host.options.streamKey },
    `Pending entry ${id} is no longer in ${host.options.streamKey} (trimmed or deleted); acked and dropped`,
  );
}
