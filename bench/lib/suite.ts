/**
 * The contract every benchmark suite meets. `bench/run.ts` lists the suites; adding one is a
 * file that default-exports a {@link BenchSuite} and one line in that list.
 */

/** What a suite is asked to do. */
export interface BenchRunOptions {
  /** A smoke run: small sizes and one repetition, to check that the suite works at all. */
  readonly quick: boolean;
}

/** A goal a row is held to; the report says whether it was met. */
export interface BenchTarget {
  /** `">="`: the median must reach `value`; `"<"`: it must stay below it. */
  readonly op: ">=" | "<";
  readonly value: number;
}

/** One measured figure. */
export interface BenchRow {
  /** What was measured, in words: "3-organ chain, logs at warn". */
  readonly metric: string;
  /** The median over the runs (or the one value when there is one run); `null` when skipped. */
  readonly value: number | null;
  /** "events/s", "µs", "ms", "MB", "x". */
  readonly unit: string;
  readonly min?: number;
  readonly max?: number;
  /** How many runs the median is over. */
  readonly runs?: number;
  readonly target?: BenchTarget;
  /** What exactly is counted, or why the row was skipped. */
  readonly note?: string;
}

export interface BenchSuite {
  /** Short, used by `--only`: "core", "redis". */
  readonly name: string;
  run(options: BenchRunOptions): Promise<BenchRow[]>;
}
