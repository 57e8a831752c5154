/** `/`: every stream with its live rates, groups, pending, lag and dead letters; backend health. */
import { getJson } from "../api.js";
import type { Overview } from "../api-types.js";
import { chartLegend } from "../chart.js";
import { h, replace } from "../dom.js";
import { previewJson } from "../format.js";
import { errorBox, facts, type Page, section } from "../layout.js";
import { follow } from "./overview-live.js";
import { groupsCell, loadRates, type Row, streamRow } from "./overview-row.js";

/** Groups and health are not in the live feed: the overview is read again this often. */
const REFRESH_MS = 5_000;

export async function overviewPage(page: Page): Promise<void> {
  const overview = await getJson<Overview>("/api/overview", page.signal);
  const live = h("span", { className: "live", text: "connecting…" });
  const body = h("tbody");
  const rows = new Map<string, Row>();
  for (const stream of overview.streams) {
    const row = streamRow(stream);
    rows.set(stream.name, row);
    body.appendChild(row.element);
    loadRates(stream.name, row.chart, page.signal);
  }
  const streams = h(
    "table",
    { className: "overview" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ...["stream", "length", "in/s", "handled/s", "rates"].map((text) => h("th", { text })),
        ...["consumer groups", "pending", "lag", "dead letters"].map((text) => h("th", { text })),
      ),
    ),
    body,
  );
  if (overview.streams.length === 0) {
    body.appendChild(
      h("tr", {}, h("td", { className: "empty", colspan: 9, text: "no streams yet" })),
    );
  }
  const health = h("div", {}, healthPanel(overview));
  replace(
    page.main,
    health,
    section(
      "Streams",
      h("div", { className: "toolbar" }, live, chartLegend()),
      streams,
      overview.streamsComplete === false &&
        h("p", { className: "muted", text: "More streams exist than the dashboard lists." }),
    ),
  );
  follow(rows, body, live, page.signal);
  const timer = setInterval(() => {
    getJson<Overview>("/api/overview", page.signal).then(
      (fresh) => {
        replace(health, healthPanel(fresh));
        for (const stream of fresh.streams) {
          const row = rows.get(stream.name);
          if (row !== undefined) replace(row.groups, groupsCell(stream.groups));
        }
      },
      (error: unknown) => {
        if (!page.signal.aborted) replace(health, unreachablePanel(error));
      },
    );
  }, REFRESH_MS);
  page.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}

function healthPanel(overview: Overview): HTMLElement {
  const { health } = overview;
  const details = Object.entries(health.details ?? {}).map(
    ([key, value]) => [key, typeof value === "string" ? value : previewJson(value, 120)] as const,
  );
  return h(
    "section",
    { className: `health ${health.healthy ? "ok" : "bad"}` },
    h(
      "h2",
      {},
      "Backend ",
      h("span", { className: "status", text: health.healthy ? "healthy" : "unhealthy" }),
    ),
    facts([
      ["latency", health.latencyMs === undefined ? "–" : `${health.latencyMs.toFixed(1)} ms`],
      ...details,
    ]),
  );
}

/** The backend (or the dashboard's server) did not answer the last overview. */
function unreachablePanel(error: unknown): HTMLElement {
  return h(
    "section",
    { className: "health bad" },
    h("h2", {}, "Backend ", h("span", { className: "status", text: "unreachable" })),
    errorBox(error),
  );
}
