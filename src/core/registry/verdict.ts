/**
 * What the registry makes of one schema offered for one event type and version, given what is
 * registered: a pure function, shared by `publish` (which then writes) and `check` (which only
 * reports).
 *
 * - Nothing registered for the type: it is registered.
 * - The same version with the same fingerprint: nothing to do (publishing again is a no-op).
 * - The same version with another fingerprint: a conflict. A version, once registered, means one
 *   schema for every process.
 * - A newer version than the latest: checked against the latest under the type's mode (as a
 *   Kafka registry's non-transitive modes do); an opaque schema passes only under `NONE`.
 * - An older version than the latest: fine if it is registered with the same fingerprint (a
 *   worker of an earlier deploy); a conflict if it never was.
 */
import { formatPath } from "../errors.js";
import {
  type CompatibilityIssue,
  type CompatibilityMode,
  checkCompatibility,
  DEFAULT_COMPATIBILITY,
} from "./compatibility.js";
import type { SchemaRegistryIssue } from "./errors.js";
import type { SchemaDocument } from "./schema-document.js";
import type { SchemaTypeRecord } from "./store.js";

/** One schema offered to the registry. */
export interface SchemaSubmission {
  readonly eventType: string;
  readonly version: number;
  readonly document: SchemaDocument;
  /**
   * The older versions the submitter can upcast from (a catalog's `upcast` keys). Not a licence:
   * the registry checks schemas, not upcasters. A refusal an upcaster would bridge for NecroStack
   * workers says so, and how to register the change anyway.
   */
  readonly upcastFrom?: readonly number[];
}

/** Why a submission conflicts with the registry. */
export type SchemaConflictReason =
  /** The version is registered with another schema. */
  | "version-mismatch"
  /** The new version breaks the type's compatibility mode against the latest. */
  | "incompatible"
  /** The schema (or the latest registered one) is opaque and the mode is not `NONE`. */
  | "opaque"
  /** The version is older than the latest and was never registered. */
  | "older-unregistered";

/** A submission the registry refuses, with every field that breaks it. */
export interface SchemaConflict {
  readonly eventType: string;
  readonly version: number;
  readonly reason: SchemaConflictReason;
  /** The type's mode the check ran under. */
  readonly mode: CompatibilityMode;
  /** The registered version it was checked against. */
  readonly against: number | undefined;
  readonly issues: readonly SchemaRegistryIssue[];
  /** One sentence saying all of it, for logs and the CLI. */
  readonly message: string;
  /** What to do about it, when there is more to say than the message's own advice. */
  readonly hint?: string;
}

export type SchemaVerdict =
  /** Not registered yet, and nothing stands in the way. */
  | {
      readonly outcome: "register";
      readonly submission: SchemaSubmission;
      readonly against: number | undefined;
      readonly mode: CompatibilityMode;
    }
  /** Registered already, identical. */
  | { readonly outcome: "unchanged"; readonly submission: SchemaSubmission }
  /** An older version, registered identical; the registry knows newer ones. */
  | { readonly outcome: "behind"; readonly submission: SchemaSubmission; readonly latest: number }
  | { readonly outcome: "conflict"; readonly conflict: SchemaConflict };

/** See the module comment. */
export function judge(
  record: SchemaTypeRecord,
  submission: SchemaSubmission,
  defaultMode: CompatibilityMode = DEFAULT_COMPATIBILITY,
): SchemaVerdict {
  const mode = record.mode ?? defaultMode;
  const { eventType, version, document } = submission;
  const registered = record.versions.find((v) => v.version === version);
  const latest = record.versions.at(-1);
  const conflict = (
    reason: SchemaConflictReason,
    against: number | undefined,
    issues: readonly SchemaRegistryIssue[],
    message: string,
    hint?: string,
  ): SchemaVerdict => ({
    outcome: "conflict",
    conflict: {
      eventType,
      version,
      reason,
      mode,
      against,
      issues,
      message: hint === undefined ? message : `${message} ${hint}`,
      ...(hint === undefined ? {} : { hint }),
    },
  });
  const issue = (kind: string, message: string): SchemaRegistryIssue => ({
    eventType,
    version,
    kind,
    path: [],
    message,
  });

  if (registered !== undefined) {
    if (registered.document.fingerprint === document.fingerprint) {
      return latest !== undefined && latest.version > version
        ? { outcome: "behind", submission, latest: latest.version }
        : { outcome: "unchanged", submission };
    }
    const message = `${eventType} v${version} is registered with another schema (fingerprint ${short(registered.document.fingerprint)}, this one ${short(document.fingerprint)}); a registered version cannot change: publish the change as v${(latest?.version ?? version) + 1}.`;
    return conflict("version-mismatch", version, [issue("version-mismatch", message)], message);
  }
  if (latest === undefined) return { outcome: "register", submission, against: undefined, mode };
  if (latest.version > version) {
    const message = `${eventType} v${version} was never registered and is older than the latest, v${latest.version}.`;
    return conflict(
      "older-unregistered",
      latest.version,
      [issue("older-unregistered", message)],
      message,
    );
  }
  if (mode === "NONE") return { outcome: "register", submission, against: latest.version, mode };
  const previous = latest.document;
  if (previous.kind === "opaque" || document.kind === "opaque") {
    const opaque =
      document.kind === "opaque"
        ? `this schema (${document.vendor})`
        : `the registered v${latest.version} (${previous.vendor})`;
    const message = `${eventType} v${version} cannot be checked against v${latest.version} under ${mode}: ${opaque} has no JSON Schema. Set the type's mode to NONE to register it unchecked.`;
    return conflict("opaque", latest.version, [issue("opaque", message)], message);
  }
  const found = checkCompatibility(previous.jsonSchema, document.jsonSchema, mode);
  if (found.length === 0) return { outcome: "register", submission, against: latest.version, mode };
  const issues = found.map((f) => fromCompatibility(eventType, version, f));
  const bridged =
    submission.upcastFrom?.includes(latest.version) === true &&
    found.some((f) => f.direction === "backward");
  // Under FULL, FORWARD keeps the check the upcaster cannot stand in for, if that one passes.
  const instead =
    mode === "FULL" && found.every((f) => f.direction === "backward") ? "FORWARD" : "NONE";
  const hint = bridged
    ? `The catalog's upcaster from v${latest.version} bridges the backward issues for NecroStack workers; if no other reader consumes these events, set the type's mode to ${instead} to register it.`
    : undefined;
  const message = `${eventType} v${version} is not ${mode} compatible with v${latest.version}: ${issues
    .map(describeIssue)
    .join("; ")}.`;
  return conflict("incompatible", latest.version, issues, message, hint);
}

function fromCompatibility(
  eventType: string,
  version: number,
  found: CompatibilityIssue,
): SchemaRegistryIssue {
  return { eventType, version, kind: found.kind, path: found.path, message: found.message };
}

/** `payload.items.*.sku: type changed ...` */
export function describeIssue(issue: SchemaRegistryIssue): string {
  if (issue.path.length === 0) return issue.message;
  return `${formatPath(["payload", ...issue.path])}: ${issue.message}`;
}

function short(fingerprint: string): string {
  return fingerprint.slice(0, 12);
}
