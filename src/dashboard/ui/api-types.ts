/** The JSON the dashboard's server answers, as docs/dashboard-api.md describes it. */

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** What the backend's inspector can do; the pages leave out what it cannot. */
export interface Capabilities {
  /** Consumer groups with per-consumer pending lists (Redis); false: leases (PostgreSQL). */
  readonly consumerGroups: boolean;
  /** Handled events stay readable in the stream (Redis); false on PostgreSQL. */
  readonly keepsHandled: boolean;
  /** Dead letters can be requeued and deleted. */
  readonly repairDeadLetters: boolean;
}

export interface Session {
  readonly writes: boolean;
  /** Whether the dashboard needs a token (then the page offers to log out). */
  readonly tokenRequired: boolean;
  readonly csrfToken: string;
  readonly backend: {
    readonly kind: string;
    readonly url: string;
    readonly capabilities?: Capabilities;
  };
  readonly endpoints: { readonly metrics?: string; readonly health?: string };
  /** A consumer holding pending entries and idle longer than this is flagged. */
  readonly staleMs?: number;
}

export interface Health {
  readonly healthy: boolean;
  readonly latencyMs?: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface GroupSummary {
  readonly name: string;
  readonly consumers: number;
  readonly pending: number;
  readonly lag: number | null;
}

export interface StreamSummary {
  readonly name: string;
  readonly length: number;
  readonly deadLetters: number;
  readonly pending?: number;
  readonly lag?: number | null;
  readonly groups: readonly GroupSummary[];
  readonly rates: { readonly inPerSec: number; readonly outPerSec: number };
}

export interface Overview {
  readonly health: Health;
  readonly streams: readonly StreamSummary[];
  /** False: more streams exist than were listed. */
  readonly streamsComplete?: boolean;
}

export interface LiveStream {
  readonly name: string;
  readonly length: number;
  readonly inPerSec: number;
  readonly outPerSec: number;
  readonly pending: number;
  readonly lag: number | null;
  readonly deadLetters: number;
}

export interface LiveMessage {
  readonly at: string;
  readonly streams: readonly LiveStream[];
}

export interface RateSample {
  readonly at: string;
  readonly inPerSec: number;
  readonly outPerSec: number;
}

export interface Rates {
  readonly samples: readonly RateSample[];
}

export interface Consumer {
  readonly name: string;
  readonly pending: number;
  /** Null when the store does not know. */
  readonly idleMs: number | null;
  readonly flagged: boolean;
}

export interface PendingEntry {
  readonly entryId: string;
  readonly eventId?: string;
  readonly consumer: string;
  readonly deliveries: number;
  readonly idleMs: number | null;
}

export interface Group {
  readonly name: string;
  readonly lastDeliveredId: string | null;
  readonly lag: number | null;
  readonly pending: number;
  /** Every consumer of the group; `consumers` lists at most 100. */
  readonly consumerCount?: number;
  readonly consumers: readonly Consumer[];
  readonly oldestPending: readonly PendingEntry[];
}

export interface StreamDetail {
  readonly name: string;
  readonly length: number;
  readonly firstId: string | null;
  readonly lastId: string | null;
  readonly deadLetters: number;
  readonly groups: readonly Group[];
}

/** An entry holding a valid event. */
export interface EventRow {
  readonly entryId: string;
  readonly id: string;
  readonly eventType: string;
  readonly timestamp: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: JsonValue;
}

/** An entry holding no valid event: why, and the stored text. */
export interface InvalidRow {
  readonly entryId: string;
  readonly invalid: string;
  readonly raw: string;
  readonly rawHeaders: string;
}

/** A row of a list: tell the two apart with `"invalid" in row`. */
export type ListRow = EventRow | InvalidRow;

export interface EventPage {
  readonly events: readonly ListRow[];
  readonly next: string | null;
  /** Entries examined for this page (more than listed when filtered by type). */
  readonly scanned?: number;
}

export interface SearchPage extends EventPage {
  readonly searched: number;
  readonly window: number;
  readonly complete: boolean;
  readonly tookMs: number;
}

export type Location = "stream" | "dead-letters";

export interface DeadLetterInfo {
  readonly reason: string;
  readonly failedAt: string;
}

export interface EventDetail {
  readonly event: EventRow;
  readonly wire: string;
  readonly location: Location;
  readonly deadLetter?: DeadLetterInfo;
}

export interface TreeNode {
  readonly event: EventRow;
  readonly location: Location;
  readonly parent: string | null;
  /** A cause named by `causation-id` but not found (trimmed, or outside the window). */
  readonly missingParent?: string;
  readonly children: readonly string[];
  /** Other entries holding the same event (a requeued one, say). */
  readonly alsoAt?: readonly { readonly location: Location; readonly entryId: string }[];
  readonly deadLetter?: DeadLetterInfo;
}

export interface Tree {
  readonly focus?: string;
  readonly root: string;
  readonly correlationId?: string;
  readonly searched?: number;
  readonly nodes: readonly TreeNode[];
  readonly truncated: boolean;
}

export interface DeadLetter {
  readonly entryId: string;
  readonly originalId: string | null;
  readonly event: EventRow | null;
  /** Why the dead letter holds no valid event (with `event` null). */
  readonly invalid?: string;
  readonly raw?: string;
  readonly reason: string;
  readonly reasonKind: string;
  readonly failedAt: string;
}

export interface DeadLetterPage {
  readonly items: readonly DeadLetter[];
  readonly reasons: readonly { readonly kind: string; readonly count: number }[];
  /** The reason counts cover the newest this many dead letters... */
  readonly reasonsScanned?: number;
  /** ...which were all of them when true. */
  readonly reasonsComplete?: boolean;
  readonly next: string | null;
}

export interface Requeued {
  readonly requeued: readonly { readonly entryId: string; readonly eventId: string }[];
  readonly missing: readonly string[];
  /** Dead letters left in place: they hold no valid event to put back. */
  readonly refused?: readonly { readonly entryId: string; readonly reason: string }[];
}

export interface Deleted {
  readonly deleted: number | readonly string[];
  readonly missing: readonly string[];
}
