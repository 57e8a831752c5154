/**
 * Dead-letter reasons sorted into a few kinds, so an operator sees "37 handler errors, 2 invalid
 * events" before reading each reason. Read from the texts the Spine and the backends write.
 */

/** The kinds of dead-letter reasons. */
export type ReasonKind =
  | "handler-error"
  | "retries-exhausted"
  | "invalid-event"
  | "loop-protection"
  | "schema"
  | "rejected"
  | "other";

const KINDS: readonly (readonly [RegExp, ReasonKind])[] = [
  [/^(Exceeded \d+ deliveries|Failed on all \d+ deliveries)/, "retries-exhausted"],
  [/^Organ .* failed:/, "handler-error"],
  [/^loop protection/i, "loop-protection"],
  [
    /^(Invalid event|entry has no "event" field|the entry has no event field|a field name is not valid UTF-8|field ".*" is not valid UTF-8)/,
    "invalid-event",
  ],
  [/schema/i, "schema"],
  [/^Rejected by its consumer/, "rejected"],
];

/**
 * The kind of a dead letter's `reason`. `validEvent` false (the entry holds no valid event)
 * makes it `invalid-event` whatever the text.
 */
export function reasonKind(reason: string, validEvent = true): ReasonKind {
  if (!validEvent) return "invalid-event";
  for (const [pattern, kind] of KINDS) if (pattern.test(reason)) return kind;
  return "other";
}
