/**
 * What `necrostack replay` prints: a progress bar on stderr (only on a terminal, or with
 * `--progress`), redrawn at most every 100 ms, and the summary on stdout, as text or JSON.
 */
import type { ReplaySummary } from "../core/replay/replay.js";
import type { ReplayProgress } from "../core/replay/target.js";

const WIDTH = 30;

/** A progress bar writing to `write`; `update` is cheap to call per batch. */
export function progressBar(write: (text: string) => void): {
  update(progress: ReplayProgress, total: number): void;
  end(): void;
} {
  const started = performance.now();
  let drawnAt = 0;
  let drawn = false;
  let first: number | undefined;
  return {
    update(progress, total) {
      first ??= progress.replayed;
      const now = performance.now();
      if (now - drawnAt < 100) return;
      drawnAt = now;
      drawn = true;
      const share = total === 0 ? 1 : Math.min(1, progress.scanned / total);
      const filled = Math.round(share * WIDTH);
      const rate = ((progress.replayed - first) * 1000) / Math.max(1, now - started);
      write(
        `\r[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${count(progress.scanned)}/${count(total)} entries, ${count(progress.replayed)} replayed, ${count(Math.round(rate))}/s   `,
      );
    },
    end() {
      if (drawn) write("\n");
    },
  };
}

/** The summary as text. */
export function summaryText(summary: ReplaySummary): string {
  const skipped = Object.values(summary.skipped).reduce((sum, n) => sum + n, 0);
  const lines = [
    `Replay ${summary.replayId} into ${summary.target}: ${summary.done ? "done" : summary.stopped ? "stopped (run the same command again to resume)" : "not finished"}${summary.resumed ? " (resumed)" : ""}`,
    `  scanned   ${count(summary.scanned)} entries`,
    `  selected  ${count(summary.selected)}`,
    `  replayed  ${count(summary.replayed)}`,
    `  skipped   ${count(skipped)}${skipped > 0 ? ":" : ""}`,
  ];
  for (const [reason, n] of Object.entries(summary.skipped))
    lines.push(`    ${count(n)} ${reason}`);
  if (summary.lastEntryId !== null) lines.push(`  last source entry ${summary.lastEntryId}`);
  if (summary.unavailableBefore !== null) {
    lines.push(`  ${unavailableText(summary.unavailableBefore)} and was not replayed`);
  }
  return `${lines.join("\n")}\n`;
}

/** The part of a range no longer kept, in words. */
export function unavailableText(oldest: { entryId: string; storedAt: string }): string {
  return `NOT AVAILABLE: the stream keeps nothing before entry ${oldest.entryId} (${oldest.storedAt}); the range before it was trimmed or pruned (Redis maxLen, PostgreSQL archive retention)`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}
