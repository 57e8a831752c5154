/**
 * `necrostack replay --dry-run --organs PATH`: the selected events run through the organs in
 * process (dryRun in the core: nothing is written), each event whose organs emit something else
 * now printed with what they emitted then and now, and the differences.
 */
import type { Catalog } from "../core/catalog/catalog.js";
import type { StreamInspector } from "../core/inspect/inspector.js";
import { type DryRunItem, dryRun } from "../core/replay/dry-run.js";
import type { CliIO } from "./command.js";
import { EXIT_FAILURE, EXIT_OK } from "./command.js";
import { loadOrgansModule } from "./organs-module.js";
import type { ReplayConfig } from "./replay.js";
import { unavailableText } from "./replay-output.js";

export async function runDryRun(
  inspector: StreamInspector,
  config: ReplayConfig,
  organsPath: string,
  catalog: Catalog | undefined,
  io: CliIO,
): Promise<number> {
  const module = await loadOrgansModule(organsPath, io.cwd);
  try {
    const result = await dryRun({
      source: inspector,
      stream: config.source.stream,
      organs: module.organs,
      catalog,
      maxEvents: config.maxEvents,
      ...config.selection,
    });
    if (config.json) {
      io.stdout(
        `${JSON.stringify(
          {
            scanned: result.scanned,
            ran: result.ran,
            differing: result.differing,
            failedNow: result.failedNow,
            truncated: result.truncated,
            unavailableBefore: result.unavailableBefore,
            differences: result.items.filter((item) => item.differs).map(itemJson),
          },
          null,
          2,
        )}\n`,
      );
    } else {
      for (const item of result.items) if (item.differs) io.stdout(itemText(item));
      if (result.unavailableBefore !== null) {
        io.stdout(`\n${unavailableText(result.unavailableBefore)}: those events were not run\n`);
      }
      io.stdout(
        `\nDry run through ${module.organs.map((organ) => organ.name).join(", ")}: ${result.ran.toLocaleString("en-US")} event${result.ran === 1 ? "" : "s"} run (${result.scanned.toLocaleString("en-US")} entries scanned${result.truncated ? `; stopped at --max-events, more were selected` : ""}), ${result.differing.toLocaleString("en-US")} differ${result.failedNow > 0 ? `, ${result.failedNow} failing now` : ""}. Nothing was written.\n`,
      );
    }
    return result.differing > 0 ? EXIT_FAILURE : EXIT_OK;
  } finally {
    await module.close?.();
  }
}

function itemText(item: DryRunItem): string {
  const lines = [`\n${item.event.eventType} ${item.event.id} (entry ${item.entryId})`];
  const { comparison } = item;
  for (const pair of comparison.changed) {
    lines.push(`  then ${pair.recorded.eventType} ${JSON.stringify(pair.recorded.payload)}`);
    lines.push(`  now  ${pair.now.eventType} ${JSON.stringify(pair.now.payload)}`);
    lines.push(`  ≠ ${pair.differences.join("; ")}`);
  }
  for (const event of comparison.missing) {
    lines.push(`  then ${event.eventType} ${JSON.stringify(event.payload)}`);
    lines.push("  now  (not emitted)");
  }
  for (const event of comparison.extra) {
    lines.push("  then (not emitted)");
    lines.push(`  now  ${event.eventType} ${JSON.stringify(event.payload)}`);
  }
  for (const failure of item.failures) {
    lines.push(`  now  failed: ${failure.organ ?? failure.stage}: ${failure.message}`);
  }
  return `${lines.join("\n")}\n`;
}

function itemJson(item: DryRunItem): Record<string, unknown> {
  const brief = (event: { id: string; eventType: string; payload: unknown }) => ({
    id: event.id,
    eventType: event.eventType,
    payload: event.payload,
  });
  return {
    entryId: item.entryId,
    event: brief(item.event),
    changed: item.comparison.changed.map((pair) => ({
      recorded: brief(pair.recorded),
      now: brief(pair.now),
      differences: pair.differences,
    })),
    missing: item.comparison.missing.map(brief),
    extra: item.comparison.extra.map(brief),
    failures: item.failures,
  };
}
