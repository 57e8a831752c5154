/** Reads the Prometheus text format into `name{label="v",...}` -> value, labels sorted. */
export type Samples = ReadonlyMap<string, number>;

export function parseExposition(text: string): Samples {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`Not a sample line: ${line}`);
    const [, name, labels = "", value] = match;
    const pairs = [...labels.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map(([, k, v]) => `${k}="${v}"`)
      .sort();
    samples.set(pairs.length === 0 ? `${name}` : `${name}{${pairs.join(",")}}`, Number(value));
  }
  return samples;
}

/** The samples of one metric (its `_bucket`, `_sum`, `_count` too for a histogram). */
export function samplesOf(samples: Samples, metric: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of samples) {
    const name = key.split("{")[0] as string;
    if (name === metric || name === `${metric}_sum` || name === `${metric}_count`) out[key] = value;
  }
  return out;
}

/** The sample `name{labels}`, with the labels given in any order; undefined if absent. */
export function sample(
  samples: Samples,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const pairs = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return samples.get(pairs.length === 0 ? name : `${name}{${pairs.join(",")}}`);
}
