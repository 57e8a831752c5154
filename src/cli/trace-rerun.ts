/**
 * `necrostack trace --rerun`: the tree's root handled again through the organs in process
 * (rerunTree), each step printed as it happens (the event, what was emitted, how it departs from
 * the recorded run), with `--step` pausing for Enter on stdin between steps.
 */
import { createInterface } from "node:readline";
import type { CausationTree } from "../core/inspect/causation-tree.js";
import type { Organ } from "../core/organ.js";
import { HopRunner } from "../core/replay/hop-runner.js";
import { type RerunStep, rerunTree } from "../core/replay/rerun.js";
import type { CliIO } from "./command.js";

/** Options of {@link runRerun}. */
export interface RerunPrintOptions {
  readonly json: boolean;
  readonly step: boolean;
  readonly maxSteps: number | undefined;
}

/** Re-runs `tree` and prints it; resolves whether the new run departs from the recorded one. */
export async function runRerun(
  tree: CausationTree,
  organs: readonly Organ[],
  io: CliIO,
  options: RerunPrintOptions,
): Promise<boolean> {
  const runner = new HopRunner(organs);
  const pause = options.step ? enterPrompt(io) : undefined;
  try {
    if (!options.json)
      io.stdout(
        `\nRe-run of ${tree.root} through ${organs.length} organ${organs.length === 1 ? "" : "s"}:\n`,
      );
    const result = await rerunTree(tree, runner, {
      maxSteps: options.maxSteps,
      onStep: async (step) => {
        if (!options.json) io.stdout(renderStep(step));
        await pause?.next();
      },
    });
    if (options.json) {
      io.stdout(
        `${JSON.stringify(
          {
            tree,
            rerun: {
              departed: result.departed,
              truncated: result.truncated,
              steps: result.steps.map(stepJson),
            },
          },
          null,
          2,
        )}\n`,
      );
    } else {
      io.stdout(
        result.departed === 0
          ? `\nThe re-run matches the recorded run (${result.steps.length} step${result.steps.length === 1 ? "" : "s"}${result.truncated ? ", stopped at --max-steps" : ""}).\n`
          : `\nThe re-run departs from the recorded run at ${result.departed} of ${result.steps.length} step${result.steps.length === 1 ? "" : "s"}${result.truncated ? " (stopped at --max-steps)" : ""}: the first at step ${result.steps.find((s) => s.departures.length > 0)?.index}.\n`,
      );
    }
    return result.departed > 0;
  } finally {
    pause?.close();
  }
}

/** One step as text. */
export function renderStep(step: RerunStep): string {
  const recorded =
    step.recorded === undefined
      ? "not in the recorded run"
      : `recorded as ${step.recorded.event.id}`;
  const lines = [
    `\nstep ${step.index}  hop ${step.hop}  ${step.event.eventType} ${step.event.id}  (${recorded})`,
  ];
  if (step.emitted.length === 0 && step.failures.length === 0) lines.push("  emitted nothing");
  for (const event of step.emitted) {
    lines.push(`  emitted ${event.eventType} ${JSON.stringify(event.payload)}`);
  }
  for (const failure of step.failures) {
    lines.push(`  failed: ${failure.organ ?? failure.stage}: ${failure.message}`);
  }
  for (const departure of step.departures) lines.push(`  ≠ ${departure}`);
  return `${lines.join("\n")}\n`;
}

function stepJson(step: RerunStep): Record<string, unknown> {
  return {
    index: step.index,
    hop: step.hop,
    event: { id: step.event.id, eventType: step.event.eventType, payload: step.event.payload },
    recordedId: step.recorded?.event.id ?? null,
    emitted: step.emitted.map((event) => ({
      id: event.id,
      eventType: event.eventType,
      payload: event.payload,
    })),
    failures: step.failures,
    departures: step.departures,
  };
}

/** Waits for a line on stdin before each next step; at end of input it no longer waits. */
function enterPrompt(io: CliIO): { next(): Promise<void>; close(): void } {
  const lines = createInterface({ input: process.stdin, terminal: false });
  const waiting: (() => void)[] = [];
  let ended = false;
  lines.on("line", () => waiting.shift()?.());
  lines.on("close", () => {
    ended = true;
    for (const resume of waiting.splice(0)) resume();
  });
  return {
    next: () => {
      if (ended) return Promise.resolve();
      io.stderr("(Enter for the next step) ");
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    close: () => lines.close(),
  };
}
