/**
 * What organs emit now next to what they emitted then, pure: the events recorded as caused by
 * one event (its children through `causation-id`) paired with the events emitted when it is
 * handled again. Ids always differ (new events get new ids), so events are paired by type, in
 * order: the first recorded `PAYMENT_TAKEN` with the first emitted now, and so on. A pair whose
 * payloads differ is `changed`, with the paths that differ.
 */
import type { JsonValue } from "../json.js";

/** An event as compared: its type and payload (and id, to name it). */
export interface ComparedEvent {
  readonly id: string;
  readonly eventType: string;
  readonly payload: Readonly<Record<string, JsonValue>>;
}

/** A recorded event paired with one emitted now. */
export interface EventPair<R extends ComparedEvent, N extends ComparedEvent> {
  readonly recorded: R;
  readonly now: N;
  /** Payload paths that differ (`payload.total`, `payload.items[2]`); empty when equal. */
  readonly differences: readonly string[];
}

/** How the two lists compare. */
export interface Comparison<R extends ComparedEvent, N extends ComparedEvent> {
  /** Pairs with equal payloads. */
  readonly same: readonly EventPair<R, N>[];
  /** Pairs whose payloads differ. */
  readonly changed: readonly EventPair<R, N>[];
  /** Recorded then, not emitted now. */
  readonly missing: readonly R[];
  /** Emitted now, not recorded then. */
  readonly extra: readonly N[];
}

/** The most differing paths listed per pair. */
export const MAX_DIFFERENCES = 20;

/** Pairs `then` with `now` by type, in order, and says how each pair differs. */
export function compareEmissions<R extends ComparedEvent, N extends ComparedEvent>(
  then: readonly R[],
  now: readonly N[],
): Comparison<R, N> {
  const waiting = new Map<string, R[]>();
  for (const event of then) {
    const list = waiting.get(event.eventType);
    if (list === undefined) waiting.set(event.eventType, [event]);
    else list.push(event);
  }
  const same: EventPair<R, N>[] = [];
  const changed: EventPair<R, N>[] = [];
  const extra: N[] = [];
  const paired = new Set<R>();
  for (const event of now) {
    const recorded = waiting.get(event.eventType)?.shift();
    if (recorded === undefined) {
      extra.push(event);
      continue;
    }
    paired.add(recorded);
    const differences: string[] = [];
    diffJson(recorded.payload, event.payload, "payload", differences);
    (differences.length === 0 ? same : changed).push({ recorded, now: event, differences });
  }
  return { same, changed, missing: then.filter((event) => !paired.has(event)), extra };
}

/** Whether a comparison found any difference. */
export function differs(comparison: Comparison<ComparedEvent, ComparedEvent>): boolean {
  return (
    comparison.changed.length > 0 || comparison.missing.length > 0 || comparison.extra.length > 0
  );
}

/** Pushes to `out` the paths under `path` where `a` and `b` differ, at most MAX_DIFFERENCES. */
export function diffJson(a: unknown, b: unknown, path: string, out: string[]): void {
  if (out.length >= MAX_DIFFERENCES || a === b) return;
  const bothArrays = Array.isArray(a) && Array.isArray(b);
  const bothObjects =
    typeof a === "object" && a !== null && typeof b === "object" && b !== null && !bothArrays;
  if (bothArrays) {
    const left = a as unknown[];
    const right = b as unknown[];
    if (left.length !== right.length) {
      out.push(`${path} (length ${left.length} -> ${right.length})`);
      return;
    }
    for (let i = 0; i < left.length; i++) diffJson(left[i], right[i], `${path}[${i}]`, out);
    return;
  }
  if (bothObjects && !Array.isArray(a) && !Array.isArray(b)) {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    for (const key of keys) {
      const child = /^[A-Za-z_$][\w$]*$/.test(key)
        ? `${path}.${key}`
        : `${path}[${JSON.stringify(key)}]`;
      if (!Object.hasOwn(left, key)) out.push(`${child} (added)`);
      else if (!Object.hasOwn(right, key)) out.push(`${child} (removed)`);
      else diffJson(left[key], right[key], child, out);
      if (out.length >= MAX_DIFFERENCES) return;
    }
    return;
  }
  out.push(`${path}: ${short(a)} -> ${short(b)}`);
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
