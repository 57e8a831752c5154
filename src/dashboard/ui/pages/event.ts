/** `/streams/:stream/events/:eventId`: the event, its wire JSON, headers and causation tree. */
import { getJson, streamApi, streamPage } from "../api.js";
import type { EventDetail, Tree, TreeNode } from "../api-types.js";
import { h, replace, table } from "../dom.js";
import { formatCount, formatTime } from "../format.js";
import { jsonView } from "../json-view.js";
import { errorBox, facts, type Page, section } from "../layout.js";

const LINKED_HEADERS = new Set(["causation-id", "correlation-id"]);

export async function eventPage(page: Page, stream: string, eventId: string): Promise<void> {
  const base = streamApi(stream, `/events/${encodeURIComponent(eventId)}`);
  const href = (id: string): string => streamPage(stream, `/events/${encodeURIComponent(id)}`);
  const treeBox = h(
    "div",
    { className: "tree-box" },
    h("p", { className: "muted", text: "loading…" }),
  );
  const detail = await getJson<EventDetail>(base, page.signal);
  const { event } = detail;
  const summary = facts([
    ["event id", h("code", { text: event.id })],
    ["type", h("code", { text: event.eventType })],
    ["time (UTC)", formatTime(event.timestamp)],
    ["entry", h("code", { text: event.entryId })],
    ["where", locationBadge(detail.location)],
    ...(detail.deadLetter === undefined
      ? []
      : ([
          ["reason", h("span", { className: "reason", text: detail.deadLetter.reason })],
          ["failed at", formatTime(detail.deadLetter.failedAt)],
        ] as const)),
  ]);
  replace(
    page.main,
    section(`${event.eventType}`, summary),
    section("Causation", treeBox),
    section(
      "Headers",
      table(
        ["header", "value"],
        Object.entries(event.headers),
        ([name, value]) => [
          h("code", { text: name }),
          LINKED_HEADERS.has(name) && value !== event.id
            ? h("a", { className: "mono", href: href(value), text: value })
            : h("td", { className: "mono", text: value }),
        ],
        "no headers",
      ),
    ),
    section("Payload", jsonView(event.payload)),
    section("Wire JSON (as stored)", h("pre", { className: "wire", text: detail.wire })),
  );
  try {
    const tree = await getJson<Tree>(`${base}/tree`, page.signal);
    replace(treeBox, treeView(tree, event.id, href));
    addDeadLetter(summary, detail, tree);
  } catch (error) {
    replace(treeBox, errorBox(error));
  }
}

/**
 * A handled event that failed stays in the stream (Redis keeps acked entries) and is also a dead
 * letter: the tree finds both, so the summary says so, with the reason.
 */
function addDeadLetter(summary: HTMLDListElement, detail: EventDetail, tree: Tree): void {
  if (detail.deadLetter !== undefined) return;
  const node = tree.nodes.find((n) => n.event.id === detail.event.id);
  const elsewhere = node?.alsoAt?.find((a) => a.location === "dead-letters");
  const dead = node?.location === "dead-letters" ? node.event.entryId : elsewhere?.entryId;
  if (node === undefined || dead === undefined) return;
  summary.append(
    h("dt", { text: "also" }),
    h("dd", {}, locationBadge("dead-letters"), " ", h("code", { text: dead })),
  );
  if (node.deadLetter !== undefined) {
    summary.append(
      h("dt", { text: "reason" }),
      h("dd", {}, h("span", { className: "reason", text: node.deadLetter.reason })),
      h("dt", { text: "failed at" }),
      h("dd", { text: formatTime(node.deadLetter.failedAt) }),
    );
  }
}

function locationBadge(location: string): HTMLElement {
  return h("span", {
    className: location === "dead-letters" ? "badge bad" : "badge",
    text: location === "dead-letters" ? "dead letters" : "stream",
  });
}

/** The tree from its root, this event marked; each event a link. */
export function treeView(tree: Tree, current: string, href: (id: string) => string): HTMLElement {
  const nodes = new Map<string, TreeNode>();
  for (const node of tree.nodes) nodes.set(node.event.id, node);
  const seen = new Set<string>();
  const item = (id: string): HTMLLIElement => {
    const node = nodes.get(id);
    seen.add(id);
    if (node === undefined) {
      return h(
        "li",
        {},
        h("span", { className: "muted", text: `${id} (not found in the searched window)` }),
      );
    }
    const label = h(
      "span",
      { className: id === current ? "node current" : "node" },
      id === current
        ? h("strong", { text: node.event.eventType })
        : h("a", { href: href(id), text: node.event.eventType }),
      " ",
      h("code", { className: "muted", text: id }),
      ` ${formatTime(node.event.timestamp).slice(11)} `,
      locationBadge(node.location),
      node.alsoAt !== undefined &&
        node.alsoAt.length > 0 &&
        h("span", {
          className: "muted",
          text: ` also at ${node.alsoAt.map((a) => `${a.location} ${a.entryId}`).join(", ")}`,
        }),
      node.deadLetter !== undefined &&
        h("span", { className: "reason", text: ` ${node.deadLetter.reason}` }),
      id === current && h("span", { className: "badge", text: "this event" }),
    );
    const children = node.children.filter((child) => !seen.has(child) && nodes.has(child));
    return h(
      "li",
      { "data-event-id": id },
      label,
      children.length > 0 && h("ul", {}, ...children.map(item)),
    );
  };
  const currentNode = nodes.get(current);
  const parent = currentNode?.parent ?? null;
  const missing = currentNode?.missingParent;
  const causedBy =
    parent !== null
      ? h(
          "span",
          {},
          "Caused by ",
          h("a", { href: href(parent), text: nodes.get(parent)?.event.eventType ?? parent }),
          ".",
        )
      : missing !== undefined
        ? `Caused by ${missing}, which was not found (trimmed, or older than the searched window).`
        : "Caused by no other event: the first of its chain.";
  const searched =
    tree.searched === undefined ? "" : ` over ${formatCount(tree.searched)} entries searched`;
  return h(
    "div",
    {},
    h("p", { className: "caused-by" }, causedBy),
    tree.correlationId !== undefined &&
      h("p", {
        className: "muted",
        text: `The chain ${tree.correlationId}: ${tree.nodes.length} event(s) found${searched}.`,
      }),
    h("ul", { className: "tree" }, item(tree.root)),
    tree.truncated &&
      h("p", {
        className: "muted",
        text: "The tree is cut short: it has more events than the dashboard follows.",
      }),
  );
}
