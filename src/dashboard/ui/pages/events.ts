/**
 * `/streams/:stream/events`: newest first, paged; filtered by type and time range; or a search of
 * payloads (a JSON path equal to or containing a value, or plain text) over a bounded window.
 * The form is a plain GET form, so every view is a link.
 */
import { getJson, streamApi, streamPage } from "../api.js";
import type { EventPage, ListRow, SearchPage } from "../api-types.js";
import { h, replace, table } from "../dom.js";
import { cut, formatCount, formatTime, localInputToIso, previewJson } from "../format.js";
import { type Page, section } from "../layout.js";

const MODES = [
  ["text", "payload text contains"],
  ["equals", "JSON path equals"],
  ["contains", "JSON path contains"],
] as const;

type Mode = (typeof MODES)[number][0];

interface Query {
  readonly type: string;
  readonly since: string;
  readonly until: string;
  readonly mode: Mode;
  readonly path: string;
  readonly value: string;
  readonly window: string;
  readonly cursor: string;
}

function readQuery(): Query {
  const params = new URLSearchParams(window.location.search);
  const get = (name: string): string => params.get(name)?.trim() ?? "";
  const mode = get("mode");
  return {
    type: get("type"),
    since: get("since"),
    until: get("until"),
    mode: mode === "equals" || mode === "contains" ? mode : "text",
    path: get("path"),
    value: params.get("value") ?? "",
    window: get("window"),
    cursor: get("cursor"),
  };
}

/** The API URL for a query: a search when a value is given, else a browse. */
function apiUrl(stream: string, q: Query): { url: string; search: boolean } {
  const params = new URLSearchParams();
  const search = q.value !== "";
  if (search) {
    if (q.mode === "text") params.set("text", q.value);
    else {
      params.set("path", q.path);
      params.set(q.mode, q.value);
    }
  }
  // How many entries a search, or a type filter, examines at most.
  if (q.window !== "") params.set("window", q.window);
  if (q.type !== "") params.set("type", q.type);
  const since = localInputToIso(q.since);
  const until = localInputToIso(q.until);
  if (since !== "") params.set("since", since);
  if (until !== "") params.set("until", until);
  if (q.cursor !== "") params.set("cursor", q.cursor);
  params.set("limit", "50");
  return { url: streamApi(stream, `/${search ? "search" : "events"}?${params}`), search };
}

function filterForm(q: Query): HTMLFormElement {
  const input = (
    name: string,
    value: string,
    attrs: Record<string, string> = {},
  ): HTMLInputElement => h("input", { name, value, ...attrs });
  const mode = h(
    "select",
    { name: "mode" },
    ...MODES.map(([value, text]) => h("option", { value, text, selected: value === q.mode })),
  );
  return h(
    "form",
    { method: "get", className: "filters" },
    h(
      "label",
      {},
      "type ",
      input("type", q.type, { placeholder: "ORDER_PLACED,ORDER_PAID", size: "24" }),
    ),
    h(
      "label",
      { title: "stored at or after, in this browser's local time" },
      "since ",
      input("since", q.since, { type: "datetime-local", step: "1" }),
    ),
    h(
      "label",
      { title: "stored at or before, in this browser's local time" },
      "until ",
      input("until", q.until, { type: "datetime-local", step: "1" }),
    ),
    h("span", { className: "break" }),
    h("label", {}, "search ", mode),
    h(
      "label",
      {},
      "path ",
      input("path", q.path, { placeholder: "order.customer.id", size: "20" }),
    ),
    h("label", {}, "value ", input("value", q.value, { placeholder: "value or text", size: "24" })),
    h(
      "label",
      {},
      "window ",
      input("window", q.window, { placeholder: "100000", size: "8", inputmode: "numeric" }),
    ),
    h("button", { type: "submit", text: "Apply" }),
    h("a", { href: window.location.pathname, text: "clear" }),
  );
}

/** A link to this page with the current query and another cursor ("" for the newest). */
function pageLink(text: string, cursor: string): HTMLAnchorElement {
  const params = new URLSearchParams(window.location.search);
  if (cursor === "") params.delete("cursor");
  else params.set("cursor", cursor);
  const query = params.toString();
  return h("a", { href: `${window.location.pathname}${query === "" ? "" : `?${query}`}`, text });
}

function eventTable(stream: string, rows: readonly ListRow[], empty: string): HTMLTableElement {
  return table(
    ["time (UTC)", "type", "event id", "entry", "payload"],
    rows,
    (e) =>
      "invalid" in e
        ? [
            "–",
            h("span", { className: "badge bad", text: "not a valid event" }),
            h("td", { className: "reason", text: e.invalid }),
            h("td", { className: "mono muted", text: e.entryId }),
            h("td", { className: "mono payload", text: cut(e.raw) }),
          ]
        : [
            h("td", { className: "nowrap", text: formatTime(e.timestamp) }),
            h("code", { text: e.eventType }),
            h("a", {
              href: streamPage(stream, `/events/${encodeURIComponent(e.id)}`),
              className: "mono",
              text: e.id,
            }),
            h("td", { className: "mono muted", text: e.entryId }),
            h("td", { className: "mono payload", text: previewJson(e.payload) }),
          ],
    empty,
  );
}

export async function eventsPage(page: Page, stream: string): Promise<void> {
  const q = readQuery();
  const { url, search } = apiUrl(stream, q);
  const results = h(
    "section",
    { className: "results" },
    h("p", { className: "muted", text: "loading…" }),
  );
  replace(page.main, section(`Events in ${stream}`, filterForm(q)), results);
  const nav = (next: string | null, label: string): HTMLElement =>
    h(
      "p",
      { className: "pager" },
      q.cursor !== "" && pageLink("« newest", ""),
      next !== null && pageLink(label, next),
    );
  if (search) {
    const found = await getJson<SearchPage>(url, page.signal);
    const how = h(
      "p",
      { className: "search-stats", role: "status" },
      `${formatCount(found.events.length)} found; searched ${formatCount(found.searched)} entries `,
      `(window ${formatCount(found.window)}) in ${formatCount(found.tookMs)} ms; `,
      `${found.complete ? "reached" : "did not reach"} the start of the ${q.since !== "" ? "time range" : "stream"}.`,
    );
    replace(
      results,
      how,
      eventTable(stream, found.events, "no event matches in the searched window"),
      nav(found.next, "search further »"),
    );
    return;
  }
  const list = await getJson<EventPage>(url, page.signal);
  const capabilities = page.session.backend.capabilities;
  replace(
    results,
    list.scanned !== undefined &&
      q.type !== "" &&
      h("p", {
        className: "search-stats",
        text: `${formatCount(list.events.length)} of type ${q.type} in ${formatCount(list.scanned)} entries examined.`,
      }),
    capabilities?.keepsHandled === false &&
      h("p", {
        className: "muted",
        text: "On this backend a handled event stays only where an archive keeps it (PostgreSQL's retentionMs); otherwise waiting events are listed.",
      }),
    eventTable(stream, list.events, "no events"),
    nav(list.next, "older »"),
  );
}
