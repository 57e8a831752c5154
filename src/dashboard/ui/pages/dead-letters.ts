/** `/streams/:stream/dead-letters`: grouped by reason kind; requeue or delete the selected. */
import { getJson, postJson, streamApi, streamPage } from "../api.js";
import type { DeadLetter, DeadLetterPage, Deleted, Requeued } from "../api-types.js";
import { h, replace } from "../dom.js";
import { cut, formatCount, formatTime } from "../format.js";
import { errorBox, type Page, section } from "../layout.js";

/** The API takes at most this many entry ids per call. */
const MAX_SELECTED = 200;

export async function deadLettersPage(page: Page, stream: string): Promise<void> {
  const cursor = new URLSearchParams(window.location.search).get("cursor") ?? "";
  const list = h("div");
  const status = h("p", { className: "action-status", role: "status" });
  const selected = new Set<string>();
  const requeue = h("button", { type: "button", className: "primary", text: "Requeue selected" });
  const remove = h("button", { type: "button", className: "danger", text: "Delete selected" });
  const repairable = page.session.backend.capabilities?.repairDeadLetters !== false;
  const writes = page.session.writes && repairable;
  const sync = (): void => {
    for (const button of [requeue, remove]) {
      button.disabled = !writes || selected.size === 0 || selected.size > MAX_SELECTED;
    }
    requeue.textContent = `Requeue selected (${selected.size})`;
    remove.textContent = `Delete selected (${selected.size})`;
  };
  const load = async (): Promise<void> => {
    const query = new URLSearchParams({ limit: "100" });
    if (cursor !== "") query.set("cursor", cursor);
    const data = await getJson<DeadLetterPage>(
      streamApi(stream, `/dead-letters?${query}`),
      page.signal,
    );
    selected.clear();
    sync();
    replace(list, ...render(stream, data, selected, sync));
  };
  const act = async (kind: "requeue" | "delete"): Promise<void> => {
    const entryIds = [...selected];
    if (kind === "delete" && !window.confirm(`Delete ${entryIds.length} dead letter(s) for good?`))
      return;
    status.className = "action-status";
    status.textContent = `${kind === "requeue" ? "Requeuing" : "Deleting"} ${entryIds.length}…`;
    try {
      const url = streamApi(stream, `/dead-letters/${kind}`);
      let said: string;
      if (kind === "requeue") {
        const done = await postJson<Requeued>(url, page.session, { entryIds });
        const refused = done.refused ?? [];
        said = `Requeued ${done.requeued.length}${missing(done.missing)}${
          refused.length === 0 ? "" : `; ${refused.length} refused (${refused[0]?.reason ?? ""})`
        }.`;
      } else {
        const done = await postJson<Deleted>(url, page.session, { entryIds });
        const count = typeof done.deleted === "number" ? done.deleted : done.deleted.length;
        said = `Deleted ${count}${missing(done.missing)}.`;
      }
      // Said once the list is read again, so what the page shows is what is left.
      await load();
      status.className = "action-status ok";
      status.textContent = said;
    } catch (error) {
      replace(status, errorBox(error));
    }
  };
  requeue.addEventListener("click", () => void act("requeue"));
  remove.addEventListener("click", () => void act("delete"));
  sync();
  replace(
    page.main,
    section(
      `Dead letters of ${stream}`,
      h(
        "div",
        { className: "toolbar" },
        requeue,
        remove,
        !repairable &&
          h("span", { className: "muted", text: "this backend cannot requeue or delete" }),
        repairable &&
          !page.session.writes &&
          h("span", {
            className: "muted",
            text: "read-only: start the dashboard with --allow-writes to requeue or delete",
          }),
        status,
      ),
      list,
    ),
  );
  await load();
}

function missing(ids: readonly string[]): string {
  return ids.length === 0 ? "" : `; ${ids.length} no longer there (${ids.slice(0, 5).join(", ")})`;
}

function render(
  stream: string,
  data: DeadLetterPage,
  selected: Set<string>,
  changed: () => void,
): HTMLElement[] {
  const kinds = new Map<string, DeadLetter[]>();
  for (const reason of data.reasons) kinds.set(reason.kind, []);
  for (const item of data.items) {
    const group = kinds.get(item.reasonKind);
    if (group === undefined) kinds.set(item.reasonKind, [item]);
    else group.push(item);
  }
  const totals = new Map(data.reasons.map((r) => [r.kind, r.count] as const));
  const summary = h(
    "p",
    { className: "chips" },
    data.reasons.length === 0
      ? "No dead letters."
      : data.reasonsComplete === false && data.reasonsScanned !== undefined
        ? `By reason, over the newest ${formatCount(data.reasonsScanned)}: `
        : "By reason: ",
    ...data.reasons.map((r) =>
      h("span", { className: "chip", text: `${r.kind} · ${formatCount(r.count)}` }),
    ),
  );
  const groups: HTMLElement[] = [];
  for (const [kind, items] of kinds) {
    if (items.length === 0) continue;
    const boxes: HTMLInputElement[] = [];
    const all = h("input", { type: "checkbox", "aria-label": `select every ${kind} on this page` });
    all.addEventListener("change", () => {
      for (const box of boxes) {
        box.checked = all.checked;
        if (all.checked) selected.add(box.value);
        else selected.delete(box.value);
      }
      changed();
    });
    const rows = items.map((item) => {
      const box = h("input", {
        type: "checkbox",
        value: item.entryId,
        "aria-label": `select ${item.entryId}`,
      });
      boxes.push(box);
      box.addEventListener("change", () => {
        if (box.checked) selected.add(item.entryId);
        else selected.delete(item.entryId);
        changed();
      });
      const event = item.event;
      return h(
        "tr",
        { "data-entry-id": item.entryId },
        h("td", {}, box),
        h("td", { className: "nowrap", text: formatTime(item.failedAt) }),
        h(
          "td",
          {},
          event === null
            ? h("span", { className: "muted", text: "(not an event)" })
            : h("code", { text: event.eventType }),
        ),
        h(
          "td",
          {},
          event === null
            ? h("span", {
                className: "mono muted",
                text: cut(item.raw ?? "", 80),
              })
            : h("a", {
                className: "mono",
                href: streamPage(stream, `/events/${encodeURIComponent(event.id)}`),
                text: event.id,
              }),
        ),
        h("td", { className: "mono muted", text: item.originalId ?? "–" }),
        h("td", { className: "reason", text: item.reason }),
      );
    });
    groups.push(
      h(
        "section",
        { className: "reason-group", "data-reason-kind": kind },
        h(
          "h3",
          {},
          h("code", { text: kind }),
          ` · ${formatCount(totals.get(kind) ?? items.length)} in all, ${items.length} on this page`,
        ),
        h(
          "table",
          {},
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, all),
              ...["failed at (UTC)", "type", "event", "original entry", "reason"].map((text) =>
                h("th", { text }),
              ),
            ),
          ),
          h("tbody", {}, ...rows),
        ),
      ),
    );
  }
  const pager = h(
    "p",
    { className: "pager" },
    new URLSearchParams(window.location.search).has("cursor") &&
      h("a", { href: window.location.pathname, text: "« first page" }),
    data.next !== null &&
      h("a", {
        href: `${window.location.pathname}?cursor=${encodeURIComponent(data.next)}`,
        text: "next page »",
      }),
  );
  return [summary, ...groups, pager];
}
