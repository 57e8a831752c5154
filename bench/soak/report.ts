/**
 * The soak's printout: the account, the worker RSS table, and a summary of what the workers
 * logged at warn and above.
 */
import { readFileSync } from "node:fs";
import type { SoakOptions } from "./options.js";
import type { Tally } from "./tally.js";
import type { SoakWorker } from "./workers.js";

/** What happened during the run, besides what Redis holds. */
export interface RunFacts {
  readonly outcome: string;
  /** From the first start event fed to the last chain completed (or the end of the run). */
  readonly elapsedMs: number;
  readonly feedMs: number;
  readonly feederRetries: number;
  readonly kills: number;
  readonly crashes: readonly string[];
  readonly redisRestart: string;
  readonly stopProblems: readonly string[];
}

const n = (value: number): string => value.toLocaleString("en-US");
const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function formatAccount(options: SoakOptions, facts: RunFacts, t: Tally): string {
  const reruns = {
    START: t.runs.START - t.handled.START,
    DONE: t.runs.DONE - t.handled.DONE,
  };
  const handled = t.runs.START + t.runs.DONE;
  const perSecond = (count: number): string => n(Math.round(count / (facts.elapsedMs / 1000)));
  const rows: [string, string][] = [
    ["outcome", facts.outcome],
    [
      "start events",
      `${n(options.events)} fed in ${s(facts.feedMs)} (${n(t.startEntries)} START entries in the stream; feeder retries ${n(facts.feederRetries)}, START entries added twice ${n(t.duplicateStarts)})`,
    ],
    ["chains completed", `${n(t.completed)} (DONE handled)`],
    [
      "events lost",
      `${n(t.lost.length)} (start events whose chain did not complete and that were not dead-lettered)`,
    ],
    ["dead-lettered", n(t.deadLettered)],
    [
      "duplicated emissions",
      `${n(t.duplicateEmissions)} (DONE entries beyond one per start event)`,
    ],
    ["handler runs", `${n(handled)} (START ${n(t.runs.START)}, DONE ${n(t.runs.DONE)})`],
    [
      "reruns",
      `${n(reruns.START + reruns.DONE)} (START ${n(reruns.START)}, DONE ${n(reruns.DONE)}): runs beyond one per event`,
    ],
    [
      "throughput",
      `${perSecond(handled)} handler runs/s, ${perSecond(t.completed)} chains/s over ${s(facts.elapsedMs)}`,
    ],
    [
      "worker kills",
      `${n(facts.kills)} (SIGKILL, one every ${s(options.killEveryMs)}); crashes ${n(facts.crashes.length)}`,
    ],
    ["redis restart", facts.redisRestart],
    ["pending at end", `${n(t.pending)} (XPENDING of group ${"soak"} after the workers stopped)`],
    [
      "runs by worker",
      Object.entries(t.runsByWorker)
        .sort(([a], [b]) => Number(a.slice(1)) - Number(b.slice(1)))
        .map(([name, runs]) => `${name} ${n(Number(runs))}`)
        .join(", "),
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  for (const [reason, count] of t.deadLetterReasons) {
    lines.push(`    dead-letter reason (${n(count)}): ${reason}`);
  }
  for (const detail of t.lostDetail) lines.push(`    lost: ${detail}`);
  if (t.lost.length > t.lostDetail.length) {
    lines.push(`    ... and ${n(t.lost.length - t.lostDetail.length)} more lost`);
  }
  for (const crash of facts.crashes) lines.push(`    crash: ${crash}`);
  for (const problem of facts.stopProblems) lines.push(`    stop: ${problem}`);
  return lines.join("\n");
}

/** One RSS reading of every worker, with Redis's RSS at the same moment. */
export interface RssTick {
  readonly atMs: number;
  readonly redisMb: number | undefined;
}

/**
 * RSS over time: one row per reading (at most one per `stepMs`), one column per worker slot,
 * each cell the worker then in the slot and its RSS in MB.
 */
export function formatRss(
  workers: readonly SoakWorker[],
  slots: number,
  ticks: readonly RssTick[],
  stepMs: number,
): string {
  const header = ["time", ...Array.from({ length: slots }, (_, i) => `slot ${i + 1}`), "redis"];
  const rows: string[][] = [];
  let nextAt = 0;
  ticks.forEach((tick, i) => {
    if (tick.atMs < nextAt && i !== ticks.length - 1) return;
    nextAt = tick.atMs + stepMs;
    const row = [s(tick.atMs)];
    for (let slot = 0; slot < slots; slot++) {
      const cell = workers
        .filter((w) => w.slot === slot)
        .flatMap((w) =>
          w.rss.filter((r) => r.atMs === tick.atMs).map((r) => `${w.name} ${mb(r.mb)}`),
        );
      row.push(cell.at(-1) ?? "-");
    }
    row.push(mb(tick.redisMb));
    rows.push(row);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ")}`;
  return [line(header), ...rows.map(line)].join("\n");
}

/** Per worker: how long it lived, how it ended, and its RSS at start, peak and end. */
export function formatWorkers(workers: readonly SoakWorker[]): string {
  const rows = workers.map((w) => {
    const first = w.rss[0]?.mb;
    const peak = w.rss.length === 0 ? undefined : Math.max(...w.rss.map((r) => r.mb));
    const last = w.rss.at(-1)?.mb;
    const lived = (w.endedAtMs ?? w.startedAtMs) - w.startedAtMs;
    const exit = w.exit === undefined ? "" : ` (${w.exit.signal ?? `code ${w.exit.code}`})`;
    const life = `${w.name.padEnd(4)} slot ${w.slot + 1}  ${s(w.startedAtMs).padStart(7)} +${s(lived).padStart(7)}  ${w.end ?? "running"}${exit}`;
    return `  ${life.padEnd(60)}RSS first ${mb(first)}  peak ${mb(peak)}  last ${mb(last)} MB`;
  });
  return rows.join("\n");
}

/** Counts of the workers' log lines at WARN and above, by message (numbers and ids blanked). */
export function formatLogSummary(workers: readonly SoakWorker[], top = 12): string {
  const counts = new Map<string, number>();
  let total = 0;
  for (const worker of workers) {
    let text = "";
    try {
      text = readFileSync(worker.stderrPath, "utf8");
    } catch {
      continue;
    }
    for (const raw of text.split("\n")) {
      if (raw.trim() === "") continue;
      let key: string;
      try {
        const line = JSON.parse(raw) as { level?: unknown; message?: unknown };
        key = `${String(line.level)} ${blank(String(line.message))}`;
      } catch {
        key = `(not JSON) ${blank(raw).slice(0, 160)}`;
      }
      total++;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  if (total === 0) return "  (none)";
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const lines = sorted.slice(0, top).map(([key, count]) => `  ${n(count).padStart(7)}  ${key}`);
  if (sorted.length > top) lines.push(`  (${sorted.length - top} more kinds)`);
  return [`  ${n(total)} lines in all`, ...lines].join("\n");
}

function mb(value: number | undefined): string {
  return value === undefined ? "-" : value.toFixed(0);
}

function blank(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "<uuid>")
    .replace(/\b\d+-\d+\b/g, "<entry>")
    .replace(/\bw\d+\b/g, "<worker>")
    .replace(/\d+/g, "#")
    .slice(0, 200);
}
