/**
 * A causation tree (`traceEvent`) as terminal text: one line per event from the root down, each
 * with its type, id, time, hop, attempt, where it is stored and, for a dead letter, why it was
 * given up; an event's organ is named when the organs are known (those listening to its cause's
 * type), else the cause's type is shown.
 */

import { HEADER } from "../core/headers.js";
import type { CausationNode } from "../core/inspect/causation-tree.js";
import type { TraceResult } from "../core/inspect/trace.js";

/** The organs that listen to an event type, for naming who emitted an event. */
export type OrgansOf = (eventType: string) => readonly string[];

/** The tree as lines of text, ending with a newline. */
export function renderTrace(result: TraceResult, organsOf?: OrgansOf): string {
  const byId = new Map(result.nodes.map((node) => [node.event.id, node]));
  const dead = result.nodes.filter((node) => node.location === "dead-letters").length;
  const lines = [
    `Causation tree of ${result.focus}`,
    `chain ${result.correlationId}: ${result.nodes.length} event${plural(result.nodes.length)}${dead > 0 ? `, ${dead} dead letter${plural(dead)}` : ""}; ${result.searched.toLocaleString("en-US")} entries searched${result.truncated ? "; TRUNCATED (more events in the chain than shown)" : ""}`,
    "",
  ];
  const seen = new Set<string>();
  const visit = (node: CausationNode, prefix: string, last: boolean, top: boolean): void => {
    if (seen.has(node.event.id)) return;
    seen.add(node.event.id);
    const branch = top ? "" : last ? "└─ " : "├─ ";
    lines.push(`${prefix}${branch}${describe(node, result, byId, organsOf)}`);
    const childPrefix = top ? prefix : `${prefix}${last ? "   " : "│  "}`;
    const children = node.children
      .map((id) => byId.get(id))
      .filter((child): child is CausationNode => child !== undefined);
    for (const [i, child] of children.entries()) {
      visit(child, childPrefix, i === children.length - 1, false);
    }
  };
  // Roots first (the chain's own root first), then any part whose linking event was not found.
  const roots = result.nodes.filter((node) => node.parent === null);
  roots.sort((a, b) => (a.event.id === result.root ? -1 : b.event.id === result.root ? 1 : 0));
  for (const root of roots) visit(root, "", true, true);
  return `${lines.join("\n")}\n`;
}

function describe(
  node: CausationNode,
  result: TraceResult,
  byId: ReadonlyMap<string, CausationNode>,
  organsOf: OrgansOf | undefined,
): string {
  const { event } = node;
  const headers = event.headers;
  const parts = [`${event.eventType} ${event.id}`, event.timestamp];
  parts.push(`hop ${headers[HEADER.HOP] ?? "0"}`);
  if (headers[HEADER.ATTEMPT] !== undefined) parts.push(`attempt ${headers[HEADER.ATTEMPT]}`);
  const parent = node.parent === null ? undefined : byId.get(node.parent);
  if (parent !== undefined) {
    const organs = organsOf?.(parent.event.eventType) ?? [];
    parts.push(organs.length > 0 ? `by ${organs.join(" or ")}` : `from ${parent.event.eventType}`);
  } else if (node.missingParent !== undefined) {
    parts.push(`caused by ${node.missingParent} (not found: trimmed or outside the window)`);
  } else if (node.event.id === result.root) {
    parts.push("root");
  }
  parts.push(`[${node.location === "stream" ? "stream" : "dead letters"} ${event.entryId}]`);
  let line = parts.join("  ");
  if (node.event.id === result.focus) line += "  ◀ focus";
  if (node.alsoAt.length > 0) {
    line += `  (also at ${node.alsoAt.map((at) => `${at.location} ${at.entryId}`).join(", ")})`;
  }
  if (node.deadLetter !== undefined) {
    const when = node.deadLetter.failedAt === "" ? "" : ` at ${node.deadLetter.failedAt}`;
    line += `  ✗ DEAD LETTER${when}: ${node.deadLetter.reason}`;
  }
  return line;
}

function plural(count: number): string {
  return count === 1 ? "" : "s";
}
