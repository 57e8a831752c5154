/**
 * Where a replay writes, and how it stays resumable: a {@link ReplayTarget} adds a batch of
 * replayed events and records the replay's progress in one atomic step, and only when the
 * progress it finds is the one the replay last wrote. A replay that is killed half way resumes
 * from the progress it finds; a batch is either written with its progress or not at all, so no
 * event is delivered twice, and two runs of one replay cannot both write the same batch.
 *
 * Each replayed event's id is derived from the replay's id and the original event's id
 * ({@link replayedEventId}): the same event replayed by the same replay always gets the same new
 * id, a different replay a different one.
 */
import { createHash } from "node:crypto";
import type { Event } from "../event.js";
import { ReplayProgressError } from "./errors.js";

/** The header a replayed event carries: the id of the event it is a copy of. */
export const REPLAYED_FROM_HEADER = "replayed-from";
/** The header naming the replay that wrote the event. */
export const REPLAY_ID_HEADER = "replay-id";

/** Why selected entries were not replayed, and how many. */
export type SkipCounts = Readonly<Record<string, number>>;

/** A replay's progress, as its target keeps it. */
export interface ReplayProgress {
  readonly replayId: string;
  /** The last source entry id done (replayed, skipped or not selected); null before any. */
  readonly lastEntryId: string | null;
  /** Entries of the range examined. */
  readonly scanned: number;
  /** Entries that matched the selection (types, correlation id). */
  readonly selected: number;
  readonly replayed: number;
  /** Selected entries not replayed, by reason. */
  readonly skipped: SkipCounts;
  /** Whether the replay reached the end of its range. */
  readonly done: boolean;
  /** When it started and was last written, ISO-8601 UTC. */
  readonly startedAt: string;
  readonly updatedAt: string;
}

/** A target's answer to a write whose expected progress was not the one it found. */
export interface StaleProgress {
  readonly stale: true;
  /** The last entry id the target has for the replay. */
  readonly found: string | null;
}

/**
 * Where replayed events go: a stream (Redis, PostgreSQL) with the replay's progress beside it.
 */
export interface ReplayTarget {
  /** What is written to, for messages: `stream orders-replay at redis://…`. */
  readonly description: string;
  /** The replay's progress as last written; null for a replay never written. */
  progress(replayId: string): Promise<ReplayProgress | null>;
  /**
   * Adds `events` (in order) and stores `progress` in one atomic step, only when the target's
   * progress for the replay has `lastEntryId` equal to `expectedLastEntryId` (null: none yet).
   * Resolves true when written, a {@link StaleProgress} when another run moved it on.
   */
  write(
    progress: ReplayProgress,
    events: readonly Event[],
    expectedLastEntryId: string | null,
  ): Promise<true | StaleProgress>;
  /** Closes what the target opened. Idempotent. */
  close(): Promise<void>;
}

/**
 * The id of the copy of event `originalId` written by replay `replayId`: a UUID shaped as a
 * version 4 (the form Event ids take) made from a SHA-256 of both, so a resumed replay gives an
 * event the id it gave it before.
 */
export function replayedEventId(replayId: string, originalId: string): string {
  const hex = createHash("sha256").update(`${replayId}\u0000${originalId}`).digest("hex");
  const variant = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The progress to write and read as JSON text (what a target stores). */
export function progressText(progress: ReplayProgress): string {
  return JSON.stringify(progress);
}

/**
 * Progress read back from its JSON text; null when there is none. Throws ReplayProgressError for
 * text that is not progress: starting over would write events twice.
 */
export function parseProgress(
  replayId: string,
  text: string | null | undefined,
): ReplayProgress | null {
  if (text === null || text === undefined || text === "") return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const progress = value as ReplayProgress | undefined;
  if (
    typeof progress !== "object" ||
    progress === null ||
    progress.replayId !== replayId ||
    (progress.lastEntryId !== null && typeof progress.lastEntryId !== "string")
  ) {
    throw new ReplayProgressError(
      replayId,
      `its stored progress is not readable (${JSON.stringify(text.slice(0, 80))}); delete it to start the replay over, or give another --replay-id`,
    );
  }
  return progress;
}
