/** A small hand-drawn SVG chart of a stream's rates in (added) and out (handled). */

import type { RateSample } from "./api-types.js";
import { type ChartLines, chartLines, type RatePoint } from "./chart-geometry.js";
import { replace, svg } from "./dom.js";
import { formatRate } from "./format.js";

/** The server keeps 10 minutes of samples at one a second; the chart keeps as many, no more. */
const MAX_SAMPLES = 660;
const MAX_SPAN_MS = 10 * 60_000;
const MIN_SPAN_MS = 60_000;

/** The time the chart spans: the samples' age in whole minutes, from 1 to 10. */
function spanOf(samples: readonly RatePoint[]): number {
  const oldest = samples[0]?.at;
  const newest = samples.at(-1)?.at;
  if (oldest === undefined || newest === undefined) return MIN_SPAN_MS;
  const minutes = Math.ceil((newest - oldest) / MIN_SPAN_MS) * MIN_SPAN_MS;
  return Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, minutes));
}

export interface RateChartOptions {
  readonly width: number;
  readonly height: number;
  /** Write the top rate and the time span on the chart (the stream page's larger chart). */
  readonly labels?: boolean;
}

export class RateChart {
  readonly element: SVGSVGElement;
  readonly #samples: RatePoint[] = [];
  readonly #options: RateChartOptions;

  constructor(options: RateChartOptions) {
    this.#options = options;
    this.element = svg("svg", {
      class: "chart",
      width: options.width,
      height: options.height,
      viewBox: `0 0 ${options.width} ${options.height}`,
      role: "img",
    });
  }

  /** Replaces the samples with the server's history. */
  reset(samples: readonly RateSample[]): void {
    this.#samples.length = 0;
    for (const sample of samples.slice(-MAX_SAMPLES)) this.#push(sample);
    this.render();
  }

  /** Adds one live sample and redraws. */
  add(sample: RateSample): void {
    this.#push(sample);
    this.render();
  }

  #push(sample: RateSample): void {
    const at = Date.parse(sample.at);
    if (Number.isNaN(at)) return;
    this.#samples.push({ at, inPerSec: sample.inPerSec, outPerSec: sample.outPerSec });
    if (this.#samples.length > MAX_SAMPLES)
      this.#samples.splice(0, this.#samples.length - MAX_SAMPLES);
  }

  render(): void {
    const { width, height, labels } = this.#options;
    const pad = labels === true ? 14 : 2;
    const newest = this.#samples.at(-1)?.at ?? Date.now();
    const span = spanOf(this.#samples);
    const lines: ChartLines = chartLines(this.#samples, width, height - pad, span, newest);
    const last = this.#samples.at(-1);
    const title = svg(
      "title",
      {},
      last === undefined
        ? "no samples yet"
        : `last ${span / MIN_SPAN_MS} min; now in ${formatRate(last.inPerSec)}/s, handled ${formatRate(last.outPerSec)}/s`,
    );
    const plot = svg(
      "g",
      { transform: `translate(0 ${pad})` },
      svg("line", { class: "axis", x1: 0, y1: height - pad, x2: width, y2: height - pad }),
      svg("line", {
        class: "grid",
        x1: 0,
        y1: (height - pad) / 2,
        x2: width,
        y2: (height - pad) / 2,
      }),
      svg("polygon", { class: "in-area", points: lines.inArea }),
      svg("polyline", { class: "in", points: lines.in }),
      svg("polyline", { class: "out", points: lines.out }),
    );
    replace(
      this.element,
      title,
      plot,
      labels === true && svg("text", { class: "label", x: 2, y: 10 }, `${formatRate(lines.max)}/s`),
      labels === true &&
        svg(
          "text",
          { class: "label", x: width - 2, y: 10, "text-anchor": "end" },
          `last ${span / MIN_SPAN_MS} min`,
        ),
    );
  }
}

/** The legend that says which line is which. */
export function chartLegend(): SVGSVGElement {
  return svg(
    "svg",
    { class: "legend", width: 150, height: 12, viewBox: "0 0 150 12", "aria-hidden": "true" },
    svg("line", { class: "in", x1: 0, y1: 6, x2: 14, y2: 6 }),
    svg("text", { x: 18, y: 10 }, "in (added)"),
    svg("line", { class: "out", x1: 78, y1: 6, x2: 92, y2: 6 }),
    svg("text", { x: 96, y: 10 }, "handled"),
  );
}
