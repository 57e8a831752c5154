/**
 * A recorded causation tree handled again: its root is handed to the organs in process (a
 * {@link HopRunner}), then every event they emit, hop by hop, breadth first, each step compared
 * with the recorded one (its children through `causation-id`, paired by type: compare.ts). An
 * event emitted now that pairs with a recorded one keeps following the recorded tree; one that
 * does not (an extra) is still handled, with nothing to compare it to.
 */

import { Event, hopOf } from "../event.js";
import type { CausationNode, CausationTree } from "../inspect/causation-tree.js";
import { InspectQueryError } from "../inspect/errors.js";
import type { ValidEventRow } from "../inspect/event-row.js";
import { bounded } from "../inspect/read.js";
import { type Comparison, compareEmissions, differs } from "./compare.js";
import type { HopFailure, HopRunner } from "./hop-runner.js";

/** One event handled again. */
export interface RerunStep {
  /** 1 for the root. */
  readonly index: number;
  readonly hop: number;
  /** The event handled now (for the root, the recorded root itself). */
  readonly event: Event;
  /** The recorded event it stands for; undefined for an event the recorded run did not emit. */
  readonly recorded: CausationNode | undefined;
  readonly emitted: readonly Event[];
  readonly failures: readonly HopFailure[];
  /** What was emitted now next to what the recorded event caused then. */
  readonly comparison: Comparison<ValidEventRow, Event>;
  /**
   * Why this step departs from the recorded run (empty when it does not): emissions that
   * differ, a handler failing now, or one that failed then (a dead letter) and not now.
   */
  readonly departures: readonly string[];
}

/** What a re-run found. */
export interface RerunResult {
  readonly steps: readonly RerunStep[];
  /** Steps that depart from the recorded run. */
  readonly departed: number;
  /** True when `maxSteps` stopped the run with events left to handle. */
  readonly truncated: boolean;
}

/** Options of {@link rerunTree}. */
export interface RerunOptions {
  /** The most events handled. @defaultValue 1,000 */
  readonly maxSteps?: number | undefined;
  /** Called after each step, before the next (a pause for `--step` awaits here). */
  readonly onStep?: ((step: RerunStep) => void | Promise<void>) | undefined;
}

/** Handles `tree`'s root again through `runner`, step by step, and compares each step. */
export async function rerunTree(
  tree: CausationTree,
  runner: HopRunner,
  options: RerunOptions = {},
): Promise<RerunResult> {
  const maxSteps = bounded("maxSteps", options.maxSteps, 1_000, 10_000);
  const byId = new Map(tree.nodes.map((node) => [node.event.id, node]));
  const root = byId.get(tree.root);
  if (root === undefined) throw new InspectQueryError("tree", "a tree holding its root", tree.root);
  const queue: { event: Event; recorded: CausationNode | undefined }[] = [
    { event: eventOf(root.event), recorded: root },
  ];
  const steps: RerunStep[] = [];
  let departed = 0;
  let cut = false;
  for (let next = 0; next < queue.length; next++) {
    if (steps.length >= maxSteps) return { steps, departed, truncated: true };
    const { event, recorded } = queue[next] as (typeof queue)[number];
    // Only this step's items stay referenced: the queue does not grow past what is left.
    queue[next] = undefined as unknown as (typeof queue)[number];
    const result = await runner.handle(event);
    const then = (recorded?.children ?? [])
      .map((id) => byId.get(id)?.event)
      .filter((row): row is ValidEventRow => row !== undefined);
    const comparison = compareEmissions(then, result.emitted);
    const departures = departuresOf(recorded, result.failures, comparison);
    if (departures.length > 0) departed++;
    const step: RerunStep = {
      index: steps.length + 1,
      hop: hopOf(event),
      event,
      recorded,
      emitted: result.emitted,
      failures: result.failures,
      comparison,
      departures,
    };
    steps.push(step);
    await options.onStep?.(step);
    const follow = [
      ...[...comparison.same, ...comparison.changed].map((pair) => ({
        event: pair.now,
        recorded: byId.get(pair.recorded.id),
      })),
      ...comparison.extra.map((extra) => ({ event: extra, recorded: undefined })),
    ];
    for (const item of follow) {
      // Bounded: what lies beyond maxSteps would never be handled.
      if (queue.length > maxSteps) {
        cut = true;
        break;
      }
      queue.push(item);
    }
  }
  return { steps, departed, truncated: cut };
}

/** The event a recorded row holds, with its id, time and headers. */
export function eventOf(row: ValidEventRow): Event {
  return new Event({
    eventType: row.eventType,
    payload: row.payload,
    id: row.id,
    timestamp: row.timestamp,
    headers: row.headers,
  });
}

function departuresOf(
  recorded: CausationNode | undefined,
  failures: readonly HopFailure[],
  comparison: Comparison<ValidEventRow, Event>,
): string[] {
  const out: string[] = [];
  // Failing again where the recorded event was dead-lettered is the same fate, not a departure.
  const failedThen = recorded?.deadLetter !== undefined;
  if (!failedThen) {
    for (const failure of failures) {
      const who = failure.organ !== undefined ? `organ ${failure.organ}` : failure.stage;
      out.push(`${who} failed now, not then: ${failure.message}`);
    }
  } else if (failures.length === 0) {
    out.push(`dead-lettered then (${recorded?.deadLetter?.reason}), handled now`);
  }
  if (differs(comparison)) {
    for (const pair of comparison.changed) {
      out.push(`${pair.now.eventType} changed: ${pair.differences.join("; ")}`);
    }
    for (const event of comparison.missing)
      out.push(`${event.eventType} ${event.id} not emitted now`);
    for (const event of comparison.extra) out.push(`${event.eventType} emitted now, not then`);
  }
  return out;
}
