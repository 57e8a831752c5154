/** The benchmark report: a Markdown table for people and a JSON file for the record. */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import type { BenchRow, BenchTarget } from "./suite.js";

/** The 1-minute load average, rounded to hundredths. */
export function currentLoad(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}

/**
 * A warning when the machine was busier than it has cores at the start or the end of the run:
 * wall-clock figures then include waiting for a CPU, and the per-CPU-second rows say more.
 */
export function loadWarning(machine: Machine, loadAtEnd: number): string | undefined {
  const worst = Math.max(machine.loadAverage, loadAtEnd);
  if (worst <= machine.cores) return undefined;
  return `WARNING: load average ${machine.loadAverage} at the start and ${loadAtEnd} at the end on ${machine.cores} cores: other work competed for the CPU, so wall-clock figures are low and spread out; compare the per-CPU-second rows and the ratios.`;
}

/** A row with the suite it came from. */
export interface SuiteRow extends BenchRow {
  readonly suite: string;
}

/** What the numbers were measured on. */
export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGB: number;
  readonly node: string;
  readonly os: string;
  /** 1-minute load average when the run began: other work on the machine makes numbers noisy. */
  readonly loadAverage: number;
}

export function describeMachine(): Machine {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? "unknown",
    cores: cores.length,
    memoryGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAverage: currentLoad(),
  };
}

/** "met", "not met", or "" when the row has no target or no value. */
export function targetStatus(row: BenchRow): string {
  if (row.target === undefined) return "";
  if (row.value === null) return "skipped";
  const met = row.target.op === ">=" ? row.value >= row.target.value : row.value < row.target.value;
  return met ? "met" : "not met";
}

export function formatValue(value: number, unit: string): string {
  // `+ 0` turns -0 (a tiny negative rounded) into 0.
  if (unit === "x") return (Number(value.toFixed(2)) + 0).toFixed(2);
  if (Math.abs(value) < 100 && !Number.isInteger(value))
    return (Number(value.toFixed(1)) + 0).toFixed(1);
  return (Math.round(value) + 0).toLocaleString("en-US");
}

function formatTarget(target: BenchTarget, unit: string): string {
  return `${target.op === ">=" ? "≥" : "<"} ${formatValue(target.value, unit)} ${unit}`;
}

/** The rows as one Markdown table. */
export function markdownTable(rows: readonly SuiteRow[]): string {
  const lines = [
    "| Suite | Metric | Median | Min | Max | Unit | Runs | Target | Note |",
    "| --- | --- | ---: | ---: | ---: | --- | ---: | --- | --- |",
  ];
  for (const row of rows) {
    const fmt = (v: number | null | undefined): string =>
      v === null || v === undefined ? "–" : formatValue(v, row.unit);
    const target =
      row.target === undefined ? "" : `${formatTarget(row.target, row.unit)}: ${targetStatus(row)}`;
    const cells = [
      row.suite,
      row.metric,
      fmt(row.value),
      fmt(row.min),
      fmt(row.max),
      row.unit,
      row.runs === undefined ? "" : String(row.runs),
      target,
      row.note ?? "",
    ];
    lines.push(`| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Writes `<dir>/<name>.json` and `<dir>/<name>.md`; returns the JSON file's path. */
export function writeResults(
  dir: string,
  name: string,
  machine: Machine,
  rows: readonly SuiteRow[],
  startedAt: Date,
  loadAtEnd: number,
): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  const record = {
    date: startedAt.toISOString(),
    machine,
    loadAverageAtEnd: loadAtEnd,
    rows: rows.map((row) => ({ ...row, status: targetStatus(row) || undefined })),
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  const header = `Measured ${startedAt.toISOString().slice(0, 10)} on ${machine.cpu} (${machine.cores} cores), Node ${machine.node}, load average ${machine.loadAverage} at the start and ${loadAtEnd} at the end.`;
  const warning = loadWarning(machine, loadAtEnd);
  const text = [header, ...(warning === undefined ? [] : [warning]), markdownTable(rows)];
  writeFileSync(join(dir, `${name}.md`), `${text.join("\n\n")}\n`);
  return file;
}
