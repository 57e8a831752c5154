/**
 * The inspection contract: what an operator's tool (the dashboard, replay, `necrostack trace`)
 * may read from a backend's store and repair in it, independent of HTTP. The core owns it; each
 * backend that supports inspection implements it beside the backend (`RedisInspector` in
 * `necrostack/redis`, `PostgresInspector` in `necrostack/postgres`).
 *
 * An inspector only ever reads a bounded amount per call: every list takes a count, every scan
 * goes newest first in pages, and nothing loads a whole stream. It reads what the backend stored
 * without decoding it (a {@link StoredEntry} keeps the wire JSON as written): decoding, filtering,
 * payload search and the causation tree are done once, in the core, over those pages
 * (see `read.ts`, `search.ts`, `trace.ts`), so every backend gets the same behaviour.
 *
 * Delivery state is the backend's own: Redis has consumer groups and pending lists; PostgreSQL
 * has leases, which an inspector reports as one group whose consumers are the lease owners.
 * Writes (requeue, delete) touch only dead letters, each call in one atomic step.
 */
import type { BackendHealth } from "../backend.js";

/** Where an entry lives: the stream of events waiting, or its dead letters. */
export type EntryLocation = "stream" | "dead-letters";

/** The largest `count` of one {@link ScanOptions} page. */
export const MAX_SCAN_COUNT = 1_000;

/** The most dead letters one requeue or delete call takes. */
export const MAX_REPAIR_BATCH = 200;

/** An entry as the backend stored it: nothing decoded, nothing dropped. */
export interface StoredEntry {
  /**
   * The entry's id in the store, unique within its stream or dead letters: a Redis entry id
   * (`1700000000000-0`), a PostgreSQL row's `seq` as text. Also the cursor that continues a scan
   * after it.
   */
  readonly entryId: string;
  /** The event's wire JSON exactly as stored; null when the entry holds no event field. */
  readonly wire: string | null;
  /** The headers' JSON exactly as stored; `""` when the entry has none. */
  readonly headers: string;
  /** When the entry was stored, epoch ms (the Redis id's time; PostgreSQL's `enqueued_at`). */
  readonly storedAtMs: number;
}

/** A dead letter as stored: the event it holds, and why and when it was given up. */
export interface StoredDeadLetter extends StoredEntry {
  /** The entry id (Redis) or `seq` (PostgreSQL) the event had in the stream; null if unknown. */
  readonly originalId: string | null;
  /** Why it was dead-lettered, as the backend or the Spine wrote it. */
  readonly reason: string;
  /** When, as ISO-8601 UTC; `""` when the store has no time for it. */
  readonly failedAt: string;
}

/** One page of a newest-first scan. */
export interface ScanOptions {
  /** Continue after this cursor (an entry id from an earlier page's `next`): older entries only. */
  readonly before?: string | undefined;
  /** How many entries at most: 1 to {@link MAX_SCAN_COUNT}. */
  readonly count: number;
  /** Only entries stored at or after this time (epoch ms). */
  readonly sinceMs?: number | undefined;
  /** Only entries stored at or before this time (epoch ms). */
  readonly untilMs?: number | undefined;
}

/** A page of a scan, newest first. */
export interface ScanPage<T extends StoredEntry> {
  readonly entries: readonly T[];
  /** The cursor of the next (older) page; null when this page reached the start. */
  readonly next: string | null;
}

/** The streams an inspector found. */
export interface StreamList {
  /** Stream names, sorted; dead-letter streams are not listed on their own. */
  readonly streams: readonly string[];
  /** False when the listing stopped at its bound (more streams may exist). */
  readonly complete: boolean;
}

/**
 * A stream's counters, cheap enough to read every second: a sampler turns two readings into
 * rates. Cumulative counts are null where the store does not keep them.
 */
export interface StreamCounters {
  readonly length: number;
  /** Entries ever added to the stream (Redis 7 `entries-added`; PostgreSQL's last `seq`). */
  readonly added: number | null;
  /**
   * Entries ever handled (acked or dead-lettered), summed over the groups: on Redis 7 each
   * group's `entries-read` minus its pending; on PostgreSQL, added minus the rows still there.
   */
  readonly handled: number | null;
  /** Entries delivered and not yet acked, summed over the groups. */
  readonly pending: number;
  /** Entries not yet delivered, the largest over the groups; null when unknown. */
  readonly lag: number | null;
  readonly deadLetters: number;
  readonly groups: readonly GroupSummary[];
}

/** A consumer group in a stream's overview. */
export interface GroupSummary {
  readonly name: string;
  readonly consumers: number;
  readonly pending: number;
  readonly lag: number | null;
}

/** One consumer of a group. */
export interface ConsumerInfo {
  readonly name: string;
  /** Entries delivered to it and not yet acked. */
  readonly pending: number;
  /**
   * Since it was last seen (its last read, claim or ack on Redis; its newest lease on
   * PostgreSQL), in ms; null when the store does not know.
   */
  readonly idleMs: number | null;
}

/** One entry of a group's pending list. */
export interface PendingInfo {
  readonly entryId: string;
  /** The event's id, when the entry is still in the stream and holds a valid event. */
  readonly eventId?: string;
  readonly consumer: string;
  /** How many times it was delivered. */
  readonly deliveries: number;
  readonly idleMs: number | null;
}

/** A consumer group in detail. */
export interface GroupInfo extends GroupSummary {
  /** The last entry delivered to the group; null when the store has no such notion. */
  readonly lastDeliveredId: string | null;
  /** Its consumers, at most the `consumers` bound asked for (`consumers` counts them all). */
  readonly consumerList: readonly ConsumerInfo[];
  /** The oldest pending entries, oldest first. */
  readonly oldestPending: readonly PendingInfo[];
}

/** A stream in detail. */
export interface StreamInfo {
  readonly name: string;
  readonly length: number;
  /** The oldest and newest entry ids; null for an empty stream. */
  readonly firstId: string | null;
  readonly lastId: string | null;
  readonly deadLetters: number;
  readonly groups: readonly GroupInfo[];
}

/** Bounds of {@link StreamInspector.streamInfo}. */
export interface StreamInfoOptions {
  /** The most consumers listed per group. @defaultValue 100 */
  readonly consumers?: number;
  /** The most oldest-pending entries listed per group. @defaultValue 10 */
  readonly oldestPending?: number;
}

/** A dead letter put back on its stream. */
export interface Requeued {
  /** The dead letter's entry id (gone now). */
  readonly entryId: string;
  /** The event's id, unchanged. */
  readonly eventId: string;
  /** The new entry's id in the stream. */
  readonly newEntryId: string;
}

/** What {@link StreamInspector.requeueDeadLetters} did, per entry id asked for. */
export interface RequeueResult {
  readonly requeued: readonly Requeued[];
  /** Ids that name no dead letter (never did, or already requeued or deleted). */
  readonly missing: readonly string[];
  /** Dead letters left in place because they hold no valid event to put back, and why. */
  readonly refused: readonly { readonly entryId: string; readonly reason: string }[];
}

/** What {@link StreamInspector.deleteDeadLetters} did. */
export interface DeleteResult {
  readonly deleted: readonly string[];
  readonly missing: readonly string[];
}

/** What an inspector can do; the dashboard shows what is not supported instead of failing. */
export interface InspectorCapabilities {
  /** Consumer groups with per-consumer pending lists (Redis); false: leases (PostgreSQL). */
  readonly consumerGroups: boolean;
  /**
   * Handled events stay readable in the stream after they are acked (Redis keeps entries until
   * trimmed). False on PostgreSQL, which deletes a row once handled: only waiting events, and
   * dead letters, can be browsed there.
   */
  readonly keepsHandled: boolean;
  /** Dead letters can be put back and deleted. */
  readonly repairDeadLetters: boolean;
}

/**
 * Read-and-repair access to a backend's store, for operators' tools.
 *
 * Bounds: every method reads a bounded amount (a page, a count, a fixed set of counters); no
 * method's cost grows with the stream's length beyond what it returns, except counting rows on
 * PostgreSQL. Calls fail (reject) when the store cannot be reached within the inspector's
 * command timeout; they never hang.
 *
 * Atomicity: `requeueDeadLetters` adds each event back to the stream and removes its dead letter
 * in one atomic step (a crash leaves either both done or neither); `deleteDeadLetters` removes
 * what it removes in one step too. Every other method only reads.
 */
export interface StreamInspector {
  /** `"redis"` or `"postgres"`, for display. */
  readonly kind: string;
  /** Where the store is, its password masked (safe to show). */
  readonly target: string;
  readonly capabilities: InspectorCapabilities;

  /** Streams in the store, at most `limit` (default 100), found without blocking it (SCAN). */
  listStreams(limit?: number): Promise<StreamList>;

  /** The stream's counters (see {@link StreamCounters}); zeros for a stream that does not exist. */
  counters(stream: string): Promise<StreamCounters>;

  /** The stream in detail: groups, their consumers and oldest pending entries. */
  streamInfo(stream: string, options?: StreamInfoOptions): Promise<StreamInfo>;

  /** A page of the stream's entries, newest first. */
  scan(stream: string, options: ScanOptions): Promise<ScanPage<StoredEntry>>;

  /** A page of the stream's dead letters, newest first. */
  scanDeadLetters(stream: string, options: ScanOptions): Promise<ScanPage<StoredDeadLetter>>;

  /**
   * Puts dead letters back on the stream, at most {@link MAX_REPAIR_BATCH} per call: each event
   * is added as a new entry with its headers, the header `requeued-from` set to the dead letter's
   * entry id and its delivery attempt reset (the `attempt` header dropped, the delivery count
   * starting over), and the dead letter removed in the same atomic step. A dead letter that
   * holds no valid event is refused and left in place.
   */
  requeueDeadLetters(stream: string, entryIds: readonly string[]): Promise<RequeueResult>;

  /** Deletes dead letters, at most {@link MAX_REPAIR_BATCH} per call. */
  deleteDeadLetters(stream: string, entryIds: readonly string[]): Promise<DeleteResult>;

  /** Whether the store answers, and how fast. Never rejects. */
  health(): Promise<BackendHealth>;

  /** Closes the connections the inspector opened. Idempotent. */
  close(): Promise<void>;
}

/** The header a requeued event carries: the entry id of the dead letter it was put back from. */
export const REQUEUED_FROM_HEADER = "requeued-from";
