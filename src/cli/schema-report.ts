/**
 * How `necrostack schema` and `necrostack worker --catalog` word what the registry found: one
 * line per event type, and each conflict with every field that breaks it, indented below.
 */
import type { SchemaConflict, SchemaVerdict } from "../core/registry/verdict.js";
import { describeIssue } from "../core/registry/verdict.js";

/** One line for a verdict; `done` says whether it was written (publish) or only checked. */
export function verdictLine(verdict: SchemaVerdict, done: boolean): string {
  if (verdict.outcome === "conflict") return conflictLines(verdict.conflict);
  const { eventType, version } = verdict.submission;
  const name = `${eventType} v${version}`;
  switch (verdict.outcome) {
    case "unchanged":
      return `${name}: registered, unchanged`;
    case "behind":
      return `${name}: registered; the latest is v${verdict.latest} (its events are left to workers that know it)`;
    case "register":
      if (verdict.against === undefined) {
        return `${name}: ${done ? "registered (new type)" : "not registered yet (new type)"}`;
      }
      return `${name}: ${done ? "registered" : "not registered yet"}, ${
        verdict.mode === "NONE"
          ? `mode NONE (not checked against v${verdict.against})`
          : `${verdict.mode} compatible with v${verdict.against}`
      }`;
  }
}

/** A conflict: its sentence, then each issue on its own line. */
export function conflictLines(conflict: SchemaConflict): string {
  const head = `${conflict.eventType} v${conflict.version}: ${conflict.reason} (mode ${conflict.mode}${
    conflict.against === undefined ? "" : `, against v${conflict.against}`
  })`;
  const lines = [head, ...conflict.issues.map((issue) => `    ${describeIssue(issue)}`)];
  if (conflict.hint !== undefined) lines.push(`    ${conflict.hint}`);
  return lines.join("\n");
}
