/** `/streams/:stream`: the stream's groups, their consumers and oldest pending entries. */
import { getJson, streamApi, streamPage } from "../api.js";
import type { Group, Rates, StreamDetail } from "../api-types.js";
import { chartLegend, RateChart } from "../chart.js";
import { h, replace, table } from "../dom.js";
import { formatCount, formatDuration, formatTime } from "../format.js";
import { errorBox, facts, type Page, section } from "../layout.js";

const REFRESH_MS = 2_000;

export async function streamPageView(page: Page, stream: string): Promise<void> {
  const staleMs = new URLSearchParams(window.location.search).get("staleMs");
  const url = streamApi(stream, staleMs === null ? "" : `?staleMs=${encodeURIComponent(staleMs)}`);
  const chart = new RateChart({ width: 640, height: 110, labels: true });
  chart.render();
  const summary = h("div");
  const groups = h("div");
  const problem = h("div");
  replace(
    page.main,
    problem,
    section("Stream", summary),
    section("Rates", chartLegend(), h("div", {}, chart.element)),
    groups,
  );
  const leases = page.session.backend.capabilities?.consumerGroups === false;
  const draw = async (): Promise<void> => {
    const [detail, rates] = await Promise.all([
      getJson<StreamDetail>(url, page.signal),
      getJson<Rates>(streamApi(stream, "/rates"), page.signal),
    ]);
    replace(summary, streamFacts(detail));
    chart.reset(rates.samples);
    replace(groups, ...detail.groups.map((group) => groupSection(stream, group, leases)));
    if (detail.groups.length === 0) replace(groups, section("Consumer groups", "none"));
    replace(problem);
  };
  await draw();
  // Pending counts and idle times move by themselves: redraw every few seconds.
  const timer = setInterval(() => {
    draw().catch((error: unknown) => {
      if (!page.signal.aborted) replace(problem, errorBox(error));
    });
  }, REFRESH_MS);
  page.signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}

function streamFacts(detail: StreamDetail): HTMLElement {
  return h(
    "div",
    { className: "row" },
    facts([
      ["length", formatCount(detail.length)],
      ["first entry", detail.firstId ?? "–"],
      ["last entry", detail.lastId ?? "–"],
      [
        "dead letters",
        h("a", {
          href: streamPage(detail.name, "/dead-letters"),
          text: formatCount(detail.deadLetters),
        }),
      ],
    ]),
    h(
      "p",
      { className: "links" },
      h("a", { href: streamPage(detail.name, "/events"), text: "browse and search events →" }),
    ),
  );
}

/**
 * One consumer group. On a backend without groups (PostgreSQL) the one "group" is the leases, its
 * consumers the workers holding them: the words change, the table does not.
 */
function groupSection(stream: string, group: Group, leases: boolean): HTMLElement {
  const now = Date.now();
  const flagged = group.consumers.filter((c) => c.flagged).length;
  return h(
    "section",
    { className: "group", "data-group": group.name },
    leases ? h("h2", { text: "Leases" }) : h("h2", {}, "Group ", h("code", { text: group.name })),
    facts([
      ...(leases ? [] : ([["last delivered", group.lastDeliveredId ?? "–"]] as const)),
      [leases ? "waiting" : "lag", formatCount(group.lag)],
      [leases ? "leased" : "pending", formatCount(group.pending)],
      [
        leases ? "workers" : "consumers",
        formatCount(group.consumerCount ?? group.consumers.length),
      ],
    ]),
    flagged > 0 &&
      h("p", {
        className: "flag-note",
        role: "status",
        text: `${flagged} consumer${flagged === 1 ? "" : "s"} hold${flagged === 1 ? "s" : ""} pending entries and ha${flagged === 1 ? "s" : "ve"} not been seen for long: stuck or gone?`,
      }),
    h("h3", { text: leases ? "Workers holding leases" : "Consumers" }),
    classed(
      "consumers",
      table(
        [
          leases ? "worker" : "consumer",
          leases ? "leased" : "pending",
          "idle",
          "last seen (UTC)",
          "",
        ],
        group.consumers,
        (c) => [
          h("td", { className: c.flagged ? "flagged" : "", text: c.name }),
          h("td", { className: "num", text: formatCount(c.pending) }),
          h("td", { className: "num", text: formatDuration(c.idleMs) }),
          c.idleMs === null ? "–" : formatTime(new Date(now - c.idleMs).toISOString()),
          c.flagged ? h("span", { className: "badge bad", text: "not seen, holds pending" }) : "",
        ],
        "no consumers",
      ),
    ),
    h("h3", { text: leases ? "Oldest leased rows" : "Oldest pending entries" }),
    classed(
      "pending",
      table(
        [leases ? "row" : "entry", "event", leases ? "worker" : "consumer", "deliveries", "idle"],
        group.oldestPending,
        (p) => [
          h("code", { text: p.entryId }),
          p.eventId === undefined
            ? "–"
            : h("a", {
                href: streamPage(stream, `/events/${encodeURIComponent(p.eventId)}`),
                text: p.eventId,
              }),
          p.consumer,
          h("td", {
            className: p.deliveries > 1 ? "num warn" : "num",
            text: formatCount(p.deliveries),
          }),
          h("td", { className: "num", text: formatDuration(p.idleMs) }),
        ],
        "nothing pending",
      ),
    ),
  );
}

function classed<E extends HTMLElement>(className: string, element: E): E {
  element.className = className;
  return element;
}
