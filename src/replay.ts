/**
 * `necrostack/replay`: replay and time travel over a backend's recorded history, read through an
 * inspector (`RedisInspector` from `necrostack/redis`, `PostgresInspector` from
 * `necrostack/postgres`). Writing targets live beside each backend: `RedisReplayTarget`,
 * `PostgresReplayTarget`. See docs/replay.md.
 */

/** Pairing what was emitted then with what is emitted now. */
export {
  type ComparedEvent,
  type Comparison,
  compareEmissions,
  differs,
  type EventPair,
} from "./core/replay/compare.js";
/** A dry run: what organs emit now next to what they emitted then. */
export {
  type DryRunItem,
  type DryRunOptions,
  type DryRunResult,
  dryRun,
} from "./core/replay/dry-run.js";
/** A replay that cannot go on safely (its progress moved on, or cannot be read). */
export { ReplayProgressError } from "./core/replay/errors.js";
/** A stream's history oldest first, over any inspector. */
export {
  compareEntryIds,
  type HistoryPlan,
  type HistoryRange,
  planHistory,
} from "./core/replay/history.js";
/** Recorded events handed to organs in process, one step each, writing nothing. */
export {
  type HopFailure,
  type HopResult,
  HopRunner,
  type HopRunnerOptions,
  RecordingBackend,
} from "./core/replay/hop-runner.js";
/** Re-delivering recorded events to a target, resumable, at a bounded rate. */
export {
  MAX_REPLAY_BATCH,
  type ReplayOptions,
  type ReplaySummary,
  replay,
} from "./core/replay/replay.js";
/** A causation tree handled again, step by step, and where it departs from the recorded run. */
export {
  eventOf,
  type RerunOptions,
  type RerunResult,
  type RerunStep,
  rerunTree,
} from "./core/replay/rerun.js";
/** What a replay selects: a range of times or entry ids, types, one chain. */
export type { RangeBound, Selection } from "./core/replay/selection.js";
/** Where replayed events go, and the progress that makes a replay resumable. */
export {
  REPLAY_ID_HEADER,
  REPLAYED_FROM_HEADER,
  type ReplayProgress,
  type ReplayTarget,
  replayedEventId,
  type SkipCounts,
  type StaleProgress,
} from "./core/replay/target.js";
