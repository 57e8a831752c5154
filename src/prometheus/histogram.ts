/**
 * Histograms kept by hand, handed to prom-client finished. prom-client's own `observe()` hashes
 * and validates the labels on every call, which costs more than a whole event does on the
 * in-memory backend; here a sample is one loop over the bounds and three additions, and the
 * labels are built once per series. The registry reads the result through `get()`, as it reads
 * any metric.
 */
import type { Metric } from "prom-client";

/** Upper bounds in seconds for handler durations: 100 µs to 10 s. */
export const DURATION_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Upper bounds in seconds for event ages (end-to-end latency): 1 ms to 10 min. */
export const AGE_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** The samples of one labelled series. */
export class Buckets {
  readonly bounds: readonly number[];
  /** Samples per bucket, not cumulative: counts[i] for bounds[i-1] < v <= bounds[i]. */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
    }
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

type Labels = Readonly<Record<string, string>>;

/** One line of the exposition, as prom-client's registry formats it. */
export interface HistogramValue {
  readonly metricName: string;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
}

/** What the registry reads from a metric when it is scraped. */
export interface HistogramSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: "histogram";
  readonly aggregator: "sum";
  readonly values: readonly HistogramValue[];
}

/** A histogram metric for a prom-client registry, reading `series()` when scraped. */
export class HandKeptHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly name: string;
  readonly help: string;
  readonly #series: () => Iterable<readonly [Labels, Buckets]>;

  constructor(name: string, help: string, series: () => Iterable<readonly [Labels, Buckets]>) {
    this.name = name;
    this.help = help;
    this.#series = series;
  }

  async get(): Promise<HistogramSnapshot> {
    const values: HistogramValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const [labels, buckets] of this.#series()) {
      let cumulative = 0;
      buckets.bounds.forEach((le, i) => {
        cumulative += buckets.counts[i] as number;
        values.push({ metricName: bucket, labels: { ...labels, le }, value: cumulative });
      });
      values.push({ metricName: bucket, labels: { ...labels, le: "+Inf" }, value: buckets.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: buckets.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: buckets.count });
    }
    return { name: this.name, help: this.help, type: "histogram", aggregator: "sum", values };
  }

  /**
   * `registry.resetMetrics()` leaves it as it is: like the counters, which are refilled from the
   * observer's totals on every scrape, it shows what the observer has seen since it was built.
   */
  reset(): void {}

  /** As the registry takes it: it reads only name, help, type, aggregator, get() and reset(). */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}
