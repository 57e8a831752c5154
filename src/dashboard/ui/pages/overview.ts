/** `/`: every stream with its live rates, groups, pending, lag and dead letters; backend health. */
import { getJson, streamApi, streamPage } from "../api.js";
import type { GroupSummary, LiveMessage, Overview, Rates, StreamSummary } from "../api-types.js";
import { chartLegend, RateChart } from "../chart.js";
import { h, replace } from "../dom.js";
import { formatCount, formatRate, formatTime, previewJson } from "../format.js";
import { errorBox, facts, type Page, section } from "../layout.js";

interface Row {
  readonly element: HTMLTableRowElement;
  readonly length: HTMLElement;
  readonly inRate: HTMLElement;
  readonly outRate: HTMLElement;
  readonly pending: HTMLElement;
  readonly lag: HTMLElement;
  readonly deadLetters: HTMLAnchorElement;
  readonly chart: RateChart;
  readonly groups: HTMLElement;
}

/** Groups and health are not in the live feed: the overview is read again this often. */
const REFRESH_MS = 5_000;
/** How long the page waits before opening a live feed the server closed. */
const RETRY_MS = 5_000;

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

function groupsCell(groups: readonly GroupSummary[]): HTMLElement {
  if (groups.length === 0) return h("span", { className: "muted", text: "no groups" });
  return h(
    "ul",
    { className: "groups" },
    ...groups.map((g) =>
      h(
        "li",
        {},
        h("strong", { text: g.name }),
        ` · ${formatCount(g.consumers)} consumer${g.consumers === 1 ? "" : "s"} · pending ${formatCount(g.pending)} · lag ${formatCount(g.lag)}`,
      ),
    ),
  );
}

function streamRow(stream: StreamSummary): Row {
  const num = (text: string): HTMLElement => h("td", { className: "num", text });
  const pending = stream.pending ?? stream.groups.reduce((sum, g) => sum + g.pending, 0);
  const lag = stream.lag === undefined ? null : stream.lag;
  const groups = h("td", {}, groupsCell(stream.groups));
  const chart = new RateChart({ width: 160, height: 30 });
  chart.render();
  const deadLetters = h("a", {
    href: streamPage(stream.name, "/dead-letters"),
    className: stream.deadLetters > 0 ? "dl-count has" : "dl-count",
    text: formatCount(stream.deadLetters),
  });
  const cells = {
    length: num(formatCount(stream.length)),
    inRate: num(formatRate(stream.rates.inPerSec)),
    outRate: num(formatRate(stream.rates.outPerSec)),
    pending: num(formatCount(pending)),
    lag: num(formatCount(lag)),
  };
  const element = h(
    "tr",
    { "data-stream": stream.name },
    h(
      "td",
      {},
      h("a", { href: streamPage(stream.name), className: "stream-name", text: stream.name }),
      h(
        "div",
        { className: "sub" },
        h("a", { href: streamPage(stream.name, "/events"), text: "events" }),
      ),
    ),
    cells.length,
    cells.inRate,
    cells.outRate,
    h("td", { className: "chart-cell" }, chart.element),
    groups,
    cells.pending,
    cells.lag,
    h("td", { className: "num" }, deadLetters),
  );
  return { element, ...cells, deadLetters, chart, groups };
}

function loadRates(stream: string, chart: RateChart, signal: AbortSignal): void {
  getJson<Rates>(streamApi(stream, "/rates"), signal).then(
    (rates) => chart.reset(rates.samples),
    () => {}, // the chart fills from the live samples instead
  );
}

/** Applies each `/api/live` message to the rows; says when the feed is late or gone. */
function follow(
  rows: Map<string, Row>,
  body: HTMLElement,
  status: HTMLElement,
  signal: AbortSignal,
): void {
  let lastAt = 0;
  const say = (on: boolean, text: string): void => {
    status.className = on ? "live on" : "live off";
    status.textContent = text;
  };
  const apply = (message: MessageEvent<string>): void => {
    let data: LiveMessage;
    try {
      data = JSON.parse(message.data) as LiveMessage;
    } catch {
      return;
    }
    lastAt = Date.now();
    say(true, `live · ${formatTime(data.at).slice(11, 19)} UTC`);
    for (const stream of data.streams) {
      let row = rows.get(stream.name);
      if (row === undefined) {
        row = streamRow({
          name: stream.name,
          length: stream.length,
          deadLetters: stream.deadLetters,
          groups: [],
          rates: stream,
        });
        rows.set(stream.name, row);
        body.querySelector("td.empty")?.parentElement?.remove();
        body.appendChild(row.element);
      }
      row.length.textContent = formatCount(stream.length);
      row.inRate.textContent = formatRate(stream.inPerSec);
      row.outRate.textContent = formatRate(stream.outPerSec);
      row.pending.textContent = formatCount(stream.pending);
      row.lag.textContent = formatCount(stream.lag);
      row.deadLetters.textContent = formatCount(stream.deadLetters);
      row.deadLetters.className = stream.deadLetters > 0 ? "dl-count has" : "dl-count";
      row.chart.add({ at: data.at, inPerSec: stream.inPerSec, outPerSec: stream.outPerSec });
    }
  };
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const open = (): void => {
    retry = undefined;
    if (signal.aborted) return;
    const current = new EventSource("/api/live");
    source = current;
    current.addEventListener("message", apply);
    current.addEventListener("error", (event) => {
      // The server's `event: error` message: one sample failed, the feed goes on.
      if (event instanceof MessageEvent && typeof event.data === "string") {
        let message = event.data;
        try {
          message = String((JSON.parse(event.data) as { message?: unknown }).message ?? message);
        } catch {}
        say(false, `sampling failed: ${message}`);
        return;
      }
      if (current.readyState !== EventSource.CLOSED) {
        // The browser reconnects by itself after a dropped connection.
        if (lastAt === 0) say(false, "live updates unavailable; retrying…");
        return;
      }
      // Refused (the server restarted without this session, or has too many feeds open):
      // the browser gives up, so the page tries again itself, a few seconds later.
      say(false, "live updates closed; trying again in 5 s…");
      retry ??= setTimeout(open, RETRY_MS);
    });
  };
  open();
  const watchdog = setInterval(() => {
    if (lastAt !== 0 && Date.now() - lastAt > 5_000 && retry === undefined) {
      say(false, "live updates stopped; reconnecting…");
    }
  }, 1_000);
  signal.addEventListener(
    "abort",
    () => {
      source?.close();
      clearTimeout(retry);
      clearInterval(watchdog);
    },
    { once: true },
  );
}
