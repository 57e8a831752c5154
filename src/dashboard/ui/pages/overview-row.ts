/** One stream's row of the overview table: its cells, kept to be updated in place. */
import { getJson, streamApi, streamPage } from "../api.js";
import type { GroupSummary, Rates, StreamSummary } from "../api-types.js";
import { RateChart } from "../chart.js";
import { h } from "../dom.js";
import { formatCount, formatRate } from "../format.js";

export interface Row {
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

export function groupsCell(groups: readonly GroupSummary[]): HTMLElement {
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

export function streamRow(stream: StreamSummary): Row {
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

export function loadRates(stream: string, chart: RateChart, signal: AbortSignal): void {
  getJson<Rates>(streamApi(stream, "/rates"), signal).then(
    (rates) => chart.reset(rates.samples),
    () => {}, // the chart fills from the live samples instead
  );
}
