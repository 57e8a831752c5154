/** Where the points of a rate chart go. Pure arithmetic, no DOM, so it is tested in Node. */

export interface RatePoint {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly inPerSec: number;
  readonly outPerSec: number;
}

export interface ChartLines {
  /** The `points` attribute of the in-rate polyline ("x,y x,y ..."), "" without samples. */
  readonly in: string;
  /** The in-rate line closed along the bottom edge: the polygon of the area under it. */
  readonly inArea: string;
  /** The same for the handled-rate polyline. */
  readonly out: string;
  /** The rate at the top edge: the largest sample rounded up to 1, 2 or 5 × 10ⁿ (at least 1). */
  readonly max: number;
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `value`, at least 1. */
export function niceCeiling(value: number): number {
  if (!Number.isFinite(value) || value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

const round = (n: number): number => Math.round(n * 10) / 10;

/**
 * Places samples in a `width` × `height` box: time runs from `now - spanMs` (left edge) to `now`
 * (right edge); rate from 0 (bottom) to `max` (top). Samples older than the span are left out;
 * every point lies inside the box.
 */
export function chartLines(
  samples: readonly RatePoint[],
  width: number,
  height: number,
  spanMs: number,
  now: number,
): ChartLines {
  const start = now - spanMs;
  const shown = samples.filter((s) => s.at >= start && s.at <= now);
  let top = 0;
  for (const s of shown) top = Math.max(top, s.inPerSec, s.outPerSec);
  const max = niceCeiling(top);
  const x = (at: number): number => round(((at - start) / spanMs) * width);
  const y = (rate: number): number =>
    round(height - (Math.min(Math.max(rate, 0), max) / max) * height);
  const line = (pick: (s: RatePoint) => number): string =>
    shown.map((s) => `${x(s.at)},${y(pick(s))}`).join(" ");
  const first = shown[0];
  const last = shown.at(-1);
  const inLine = line((s) => s.inPerSec);
  const inArea =
    first === undefined || last === undefined
      ? ""
      : `${inLine} ${x(last.at)},${round(height)} ${x(first.at)},${round(height)}`;
  return { in: inLine, inArea, out: line((s) => s.outPerSec), max };
}
