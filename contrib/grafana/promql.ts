/**
 * Just enough PromQL to evaluate the dashboard's own queries over scraped samples, so the
 * rendered panels show what Grafana would: `sum by (...) (rate(m[w]))`, `histogram_quantile(q,
 * sum by (..., le) (rate(m_bucket[w])))` and `max by (...) (m)`. A selector on `destination`
 * with the `$destination` variable matches every stream. Anything else is refused, so the page
 * cannot quietly show something the dashboard does not ask for.
 */

/** One scrape of every target at one instant: each target's samples, `name{labels}` -> value. */
export interface Scrape {
  readonly t: number;
  readonly targets: readonly ReadonlyMap<string, number>[];
}

export type Series = Map<string, (number | null)[]>;

interface Parsed {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

function parseKey(key: string): Parsed {
  const brace = key.indexOf("{");
  if (brace < 0) return { name: key, labels: {} };
  const labels: Record<string, string> = {};
  for (const [, k, v] of key.slice(brace + 1, -1).matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[k as string] = v as string;
  }
  return { name: key.slice(0, brace), labels };
}

const groupKey = (labels: Readonly<Record<string, string>>, by: readonly string[]) =>
  JSON.stringify(by.map((l) => labels[l] ?? ""));

/** Per target and step: the value of each series of `metric`, keyed by its `by` labels (summed). */
function collect(
  scrapes: readonly Scrape[],
  metric: string,
  by: readonly string[],
  combine: "sum" | "max",
  perSecondOver: number | undefined,
): { keys: Map<string, Record<string, string>>; values: Map<string, (number | null)[]> } {
  const keys = new Map<string, Record<string, string>>();
  const values = new Map<string, (number | null)[]>();
  const window = perSecondOver ?? 0;
  scrapes.forEach((scrape, step) => {
    // The earliest scrape within the window, for rate(); steps before a full window get null.
    const from = scrapes.findIndex((s) => s.t >= scrape.t - window * 1000 - 1);
    if (
      perSecondOver !== undefined &&
      (from === step || scrape.t - (scrapes[0] as Scrape).t < window * 1000 - 1)
    )
      return;
    const base = scrapes[from] as Scrape;
    const seconds = (scrape.t - base.t) / 1000;
    scrape.targets.forEach((samples, target) => {
      for (const [key, value] of samples) {
        const { name, labels } = parseKey(key);
        if (name !== metric) continue;
        let v = value;
        if (perSecondOver !== undefined) {
          const before = base.targets[target]?.get(key) ?? 0;
          v = Math.max(0, value - before) / seconds;
        }
        const g = groupKey(labels, by);
        if (!keys.has(g)) keys.set(g, Object.fromEntries(by.map((l) => [l, labels[l] ?? ""])));
        let row = values.get(g);
        if (row === undefined) {
          row = new Array<number | null>(scrapes.length).fill(null);
          values.set(g, row);
        }
        const prev = row[step];
        row[step] =
          prev === null || prev === undefined
            ? v
            : combine === "sum"
              ? prev + v
              : Math.max(prev, v);
      }
    });
  });
  return { keys, values };
}

/** Prometheus's histogram_quantile: linear interpolation within the bucket that holds the rank. */
function quantile(q: number, buckets: readonly (readonly [number, number])[]): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of sorted) {
    if (count >= rank) {
      if (bound === Number.POSITIVE_INFINITY) return prevBound;
      return prevBound + ((bound - prevBound) * (rank - prevCount)) / (count - prevCount || 1);
    }
    prevBound = bound;
    prevCount = count;
  }
  return prevBound;
}

const legendOf = (format: string, labels: Readonly<Record<string, string>>) =>
  format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, l: string) => labels[l] ?? "");

/** Evaluates one of the dashboard's expressions at every scrape; series by legend. */
export function evaluate(
  expr: string,
  legend: string,
  scrapes: readonly Scrape[],
  rateSeconds: number,
): Series {
  const out: Series = new Map();
  const selector = String.raw`(?:\{destination=~"\$destination"\})?`;
  let m = new RegExp(
    String.raw`^sum by \(([\w, ]+)\) \(rate\((\w+)${selector}\[\$__rate_interval\]\)\)$`,
  ).exec(expr);
  if (m !== null) {
    const by = (m[1] as string).split(/,\s*/);
    const { keys, values } = collect(scrapes, m[2] as string, by, "sum", rateSeconds);
    for (const [g, row] of values) out.set(legendOf(legend, keys.get(g) ?? {}), row);
    return out;
  }
  m = new RegExp(String.raw`^max by \(([\w, ]+)\) \((\w+)${selector}\)$`).exec(expr);
  if (m !== null) {
    const by = (m[1] as string).split(/,\s*/);
    const { keys, values } = collect(scrapes, m[2] as string, by, "max", undefined);
    for (const [g, row] of values) out.set(legendOf(legend, keys.get(g) ?? {}), row);
    return out;
  }
  m =
    /^histogram_quantile\(([\d.]+), sum by \(([\w, ]+)\) \(rate\((\w+)\[\$__rate_interval\]\)\)\)$/.exec(
      expr,
    );
  if (m !== null) {
    const q = Number(m[1]);
    const by = (m[2] as string).split(/,\s*/);
    const groupBy = by.filter((l) => l !== "le");
    const { keys, values } = collect(scrapes, m[3] as string, by, "sum", rateSeconds);
    const grouped = new Map<
      string,
      { labels: Record<string, string>; rows: [number, (number | null)[]][] }
    >();
    for (const [g, row] of values) {
      const labels = keys.get(g) ?? {};
      const key = groupKey(labels, groupBy);
      const entry = grouped.get(key) ?? { labels, rows: [] };
      const le = labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(labels.le);
      entry.rows.push([le, row]);
      grouped.set(key, entry);
    }
    for (const { labels, rows } of grouped.values()) {
      const series = scrapes.map((_, step) => {
        const buckets = rows.map(([le, row]) => [le, row[step] ?? 0] as const);
        return rows.every(([, row]) => row[step] === null) ? null : quantile(q, buckets);
      });
      out.set(legendOf(legend, labels), series);
    }
    return out;
  }
  throw new Error(`promql.ts does not evaluate this expression: ${expr}`);
}
