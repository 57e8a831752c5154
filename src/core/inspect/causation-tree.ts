/**
 * An event's causation tree, pure: from events of one chain (found by their `correlation-id`),
 * which caused which, through `causation-id` (see HEADER in headers.ts). The Spine stamps both on
 * every event an organ emits: `correlation-id` the first event of the chain, `causation-id` the
 * event whose handling emitted it.
 *
 * One node per event id: an event found more than once (in the stream and in the dead letters,
 * or put back by a requeue) is shown at its newest dead letter if it has one (its fate), else at
 * its newest stream entry, with the others listed.
 */
import { HEADER } from "../headers.js";
import type { ValidEventRow } from "./event-row.js";
import type { EntryLocation } from "./inspector.js";

/** An event found while following a chain, and where. */
export interface ChainEvent {
  readonly event: ValidEventRow;
  readonly location: EntryLocation;
  /** Set for an event found in the dead letters. */
  readonly deadLetter?: { readonly reason: string; readonly failedAt: string };
}

/** Another place the same event was found. */
export interface Occurrence {
  readonly location: EntryLocation;
  readonly entryId: string;
}

/** A node of the tree. */
export interface CausationNode extends ChainEvent {
  /** The event that caused it, when found; null for a root. */
  readonly parent: string | null;
  /** Its `causation-id` when that event was not found (trimmed, or outside the window). */
  readonly missingParent?: string;
  /** The events it caused, oldest first. */
  readonly children: readonly string[];
  /** Other entries holding the same event, newest first. */
  readonly alsoAt: readonly Occurrence[];
}

/** The tree around one event. */
export interface CausationTree {
  /** The event asked about. */
  readonly focus: string;
  /** The focus's furthest ancestor found. */
  readonly root: string;
  /** The chain's correlation id. */
  readonly correlationId: string;
  /** Every node, keyed by event id in `order`: the focus's ancestors, then the rest, nearest first. */
  readonly nodes: readonly CausationNode[];
  /** True when more events of the chain were found than `maxNodes` allowed. */
  readonly truncated: boolean;
}

/** The correlation id of `event`'s chain: its header, or its own id for a chain's first event. */
export function correlationOf(event: ValidEventRow): string {
  return event.headers[HEADER.CORRELATION_ID] ?? event.id;
}

/** Whether `event` belongs to the chain `correlationId`. */
export function inChain(event: ValidEventRow, correlationId: string): boolean {
  return event.id === correlationId || event.headers[HEADER.CORRELATION_ID] === correlationId;
}

/**
 * The tree around `focusId` from `found` (newest first, as scans return them), keeping at most
 * `maxNodes` nodes, the nearest to the focus (by links) first. Returns null when `focusId` is
 * not among `found`.
 */
export function buildCausationTree(
  focusId: string,
  found: readonly ChainEvent[],
  maxNodes = 500,
): CausationTree | null {
  const byId = new Map<string, { first: ChainEvent; alsoAt: Occurrence[] }>();
  for (const item of found) {
    const known = byId.get(item.event.id);
    if (known === undefined) {
      byId.set(item.event.id, { first: item, alsoAt: [] });
    } else if (item.location === "dead-letters" && known.first.location !== "dead-letters") {
      // Its dead letter tells the event's fate: shown there, its stream entries listed.
      known.alsoAt.unshift({ location: known.first.location, entryId: known.first.event.entryId });
      known.first = item;
    } else {
      known.alsoAt.push({ location: item.location, entryId: item.event.entryId });
    }
  }
  const focus = byId.get(focusId);
  if (focus === undefined) return null;

  const parentOf = (id: string): string | null => {
    const cause = byId.get(id)?.first.event.headers[HEADER.CAUSATION_ID];
    return cause !== undefined && cause !== id && byId.has(cause) ? cause : null;
  };
  const children = new Map<string, string[]>();
  for (const id of byId.keys()) {
    const parent = parentOf(id);
    if (parent === null) continue;
    const list = children.get(parent);
    if (list === undefined) children.set(parent, [id]);
    else list.push(id);
  }
  const timeOf = (id: string): string => byId.get(id)?.first.event.timestamp ?? "";
  for (const list of children.values()) list.sort((a, b) => timeOf(a).localeCompare(timeOf(b)));

  // The focus's ancestors, guarding against a cycle of causation ids.
  const ancestors: string[] = [];
  const seen = new Set<string>([focusId]);
  for (let up = parentOf(focusId); up !== null && !seen.has(up); up = parentOf(up)) {
    seen.add(up);
    ancestors.push(up);
  }
  const root = ancestors.length > 0 ? (ancestors[ancestors.length - 1] as string) : focusId;

  // Nearest first: the focus, its ancestors, then breadth-first over every link; then the rest
  // of the chain (parts whose linking event was not found).
  const order: string[] = [focusId, ...ancestors];
  const queue = [...order];
  for (let i = 0; i < queue.length && order.length < maxNodes; i++) {
    for (const child of children.get(queue[i] as string) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      order.push(child);
      queue.push(child);
    }
  }
  for (const id of byId.keys()) {
    if (order.length >= maxNodes) break;
    if (!seen.has(id)) {
      seen.add(id);
      order.push(id);
    }
  }
  const kept = new Set(order.slice(0, maxNodes));
  const nodes: CausationNode[] = [];
  for (const id of kept) {
    const entry = byId.get(id) as { first: ChainEvent; alsoAt: Occurrence[] };
    const parent = parentOf(id);
    const cause = entry.first.event.headers[HEADER.CAUSATION_ID];
    nodes.push({
      ...entry.first,
      parent: parent !== null && kept.has(parent) ? parent : null,
      ...(parent === null && cause !== undefined && cause !== id ? { missingParent: cause } : {}),
      children: (children.get(id) ?? []).filter((child) => kept.has(child)),
      alsoAt: entry.alsoAt,
    });
  }
  return {
    focus: focusId,
    root,
    correlationId: correlationOf(focus.first.event),
    nodes,
    truncated: byId.size > kept.size,
  };
}
