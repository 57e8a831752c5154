/**
 * Dead-letter reasons are free text (they name organs, counts and errors), so they cannot be a
 * label. `reasonKindOf` maps one to a small fixed set, from the reasons the Spine and the Redis
 * backend write.
 */

/** The values of the `reason_kind` label. */
export const REASON_KINDS = [
  /** A handler failed on every try its retry policy or the backend's `maxRetries` allowed. */
  "retries_exhausted",
  /** The event was redelivered past the backend's limit without being handled (crashed consumers). */
  "max_deliveries",
  /** Loop protection: the event's hop was past `maxHops`. */
  "loop_protection",
  /** The stream entry is not a valid event (no JSON, no event type, ...). */
  "invalid_event",
  /** `nack()` with no reason, or a reason none of the above matches. */
  "other",
] as const;

export type ReasonKind = (typeof REASON_KINDS)[number];

/** The kind of a dead-letter reason, for the `reason_kind` label. */
export function reasonKindOf(reason: string): ReasonKind {
  // The Spine, when a retry policy is spent under "nack": "Organ X failed: ...".
  if (reason.startsWith("Organ ")) return "retries_exhausted";
  // RedisBackend.release() on the last delivery: "Failed on all N deliveries; last failure: ...".
  if (reason.startsWith("Failed on all ")) return "retries_exhausted";
  // RedisBackend recovery of entries whose consumers died: "Exceeded N deliveries (...)".
  if (reason.startsWith("Exceeded ")) return "max_deliveries";
  if (reason.startsWith("loop protection:")) return "loop_protection";
  // RedisBackend on an entry it cannot decode: "Invalid event: ...", "entry has no ...", "... is
  // not valid UTF-8".
  if (
    reason.startsWith("Invalid event") ||
    reason.startsWith("entry has no ") ||
    reason.includes("not valid UTF-8")
  ) {
    return "invalid_event";
  }
  return "other";
}
