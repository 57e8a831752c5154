/** The rendered dashboard: a static HTML page of SVG charts laid out like the Grafana panels. */
import type { Series } from "./promql.js";

export interface PanelData {
  readonly title: string;
  readonly unit: string;
  readonly series: Series;
}

const COLORS = [
  "#73bf69",
  "#f2cc0c",
  "#5794f2",
  "#ff9830",
  "#f2495c",
  "#b877d9",
  "#8ab8ff",
  "#fade2a",
];
const W = 760;
const H = 250;
const PAD = { left: 62, right: 12, top: 10, bottom: 24 };

function format(value: number, unit: string): string {
  if (unit === "s") {
    if (value === 0) return "0";
    if (value < 0.001) return `${(value * 1e6).toFixed(0)} µs`;
    if (value < 1) return `${(value * 1000).toFixed(value < 0.01 ? 1 : 0)} ms`;
    return `${value.toFixed(1)} s`;
  }
  const text = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  return unit === "ops" ? `${text}/s` : text.replace(/\.00$/, "");
}

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

function chart(panel: PanelData, times: readonly number[]): string {
  const values = [...panel.series.values()].flat().filter((v): v is number => v !== null);
  const top = niceMax(Math.max(0, ...values) * 1.05);
  const x = (i: number) =>
    PAD.left +
    (((times[i] as number) - (times[0] as number)) /
      ((times.at(-1) as number) - (times[0] as number) || 1)) *
      (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  const grid: string[] = [];
  for (let i = 0; i <= 4; i++) {
    const v = (top * i) / 4;
    grid.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`,
      `<text x="${PAD.left - 6}" y="${y(v) + 4}" class="tick" text-anchor="end">${format(v, panel.unit)}</text>`,
    );
  }
  const span = ((times.at(-1) as number) - (times[0] as number)) / 1000;
  for (let s = 0; s <= span; s += 10) {
    const px = PAD.left + (s / (span || 1)) * (W - PAD.left - PAD.right);
    grid.push(`<text x="${px}" y="${H - 6}" class="tick" text-anchor="middle">${s}s</text>`);
  }
  const lines: string[] = [];
  const legend: string[] = [];
  [...panel.series.entries()].forEach(([name, row], i) => {
    const color = COLORS[i % COLORS.length];
    let d = "";
    let pen = false;
    row.forEach((v, step) => {
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${x(step).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    lines.push(`<path d="${d}" stroke="${color}" fill="none" stroke-width="2"/>`);
    const last = [...row].reverse().find((v) => v !== null && Number.isFinite(v));
    const max = Math.max(...row.filter((v): v is number => v !== null && Number.isFinite(v)));
    legend.push(
      `<span class="item"><i style="background:${color}"></i>${escapeHtml(name)} <em>max ${format(Number.isFinite(max) ? max : 0, panel.unit)}, last ${format(last ?? 0, panel.unit)}</em></span>`,
    );
  });
  return `<section class="panel"><h2>${escapeHtml(panel.title)}</h2><svg width="${W}" height="${H}">${grid.join("")}${lines.join("")}</svg><div class="legend">${legend.join("")}</div></section>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function renderPage(opts: {
  readonly panels: readonly PanelData[];
  readonly times: readonly number[];
  readonly caption: string;
  readonly stream: string;
}): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  body { margin: 0; background: #111217; color: #ccccdc; font: 13px Inter, "Helvetica Neue", Arial, sans-serif; }
  header { display: flex; gap: 24px; align-items: center; padding: 12px 16px; border-bottom: 1px solid #2c2f36; }
  header h1 { font-size: 18px; margin: 0; color: #fff; font-weight: 500; }
  header .var { background: #181b1f; border: 1px solid #2c2f36; padding: 4px 10px; border-radius: 2px; }
  header .var b { color: #6e9fff; font-weight: 500; margin-right: 8px; }
  main { display: grid; grid-template-columns: repeat(2, ${W + 16}px); gap: 8px; padding: 8px 16px; }
  .panel { background: #181b1f; border: 1px solid #2c2f36; border-radius: 2px; padding: 8px; }
  .panel h2 { font-size: 14px; font-weight: 500; margin: 0 0 4px; color: #d8d9da; }
  .grid { stroke: #2c2f36; } .tick { fill: #8e8e9e; font-size: 11px; }
  .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 4px; font-size: 12px; }
  .legend i { display: inline-block; width: 14px; height: 4px; margin-right: 6px; vertical-align: middle; border-radius: 2px; }
  .legend em { color: #8e8e9e; font-style: normal; }
  footer { padding: 4px 16px 14px; color: #8e8e9e; font-size: 12px; }
  </style></head><body>
  <header><h1>NecroStack</h1><span class="var"><b>Prometheus</b>scraped /metrics</span><span class="var"><b>Stream</b>${escapeHtml(opts.stream)}</span></header>
  <main>${opts.panels.map((p) => chart(p, opts.times)).join("")}</main>
  <footer>${escapeHtml(opts.caption)}</footer>
  </body></html>`;
}
