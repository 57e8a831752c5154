/** The batch modes in one process: the demo, `--file` and `--stress`. */
import { createLogger, type Logger } from "necrostack";
import { MemoryPipeline, type NotificationRequest } from "../pipeline.js";
import { loadRequestFile } from "../requests.js";
import { demoRequests, stressRequests } from "../samples.js";
import type { Settings } from "../settings.js";
import { formatAuditLine, formatSummary, MAX_AUDITED_SHOWN, type Summary } from "../summary.js";

export async function runBatch(settings: Settings): Promise<Summary> {
  const { requests, malformed } = readRequests(settings);
  const stress = settings.mode === "stress";
  const showAudit = !settings.quiet && requests.length <= MAX_AUDITED_SHOWN;
  const pipeline = new MemoryPipeline(settings, {
    keepLines: showAudit,
    logger: spineLogger(settings),
  });
  const batch = await pipeline.process(requests);
  if (showAudit) {
    console.log("\nAudit");
    for (const line of await pipeline.audit.lines()) console.log(formatAuditLine(line));
  } else if (!settings.quiet && !stress) {
    console.log(`\nAudit lines are shown for up to ${MAX_AUDITED_SHOWN} notifications.`);
  }
  const summary = await pipeline.summary();
  console.log(`\n${formatSummary(summary)}`);
  const seconds = batch.durationMs / 1000;
  if (stress) {
    console.log(
      `\nThroughput: ${batch.eventsProcessed} events in ${seconds.toFixed(3)} s = ` +
        `${rate(batch.eventsProcessed, seconds)} events/s, ` +
        `${rate(requests.length, seconds)} notifications/s`,
    );
  } else {
    console.log(`\n${batch.eventsProcessed} events in ${batch.durationMs.toFixed(1)} ms`);
  }
  reportUnexpected(pipeline);
  if (settings.json) {
    console.log(
      JSON.stringify({
        summary,
        malformed: malformed.length,
        eventsProcessed: batch.eventsProcessed,
        durationMs: Math.round(batch.durationMs),
      }),
    );
  }
  return summary;
}

/** The requests of the chosen mode; malformed file rows are reported on stderr. */
export function readRequests(settings: Settings): {
  requests: NotificationRequest[];
  malformed: string[];
} {
  let requests: NotificationRequest[];
  let malformed: string[] = [];
  if (settings.mode === "file") {
    const loaded = loadRequestFile(settings.file as string);
    requests = loaded.requests;
    malformed = loaded.malformed;
    for (const problem of malformed) console.error(`skipped ${problem}`);
    console.log(
      `Read ${plural(requests.length, "request")} from ${settings.file}` +
        (malformed.length > 0 ? `; skipped ${plural(malformed.length, "malformed row")}` : ""),
    );
  } else if (settings.mode === "stress") {
    requests = stressRequests(settings.count, settings.email.seed);
    console.log(`Stress run: ${requests.length} generated requests`);
  } else {
    requests = demoRequests();
    console.log(`Notification pipeline demo: ${requests.length} built-in requests`);
  }
  const { email } = settings;
  console.log(
    `seed ${email.seed}, email failure rate ${email.failureRate}, ${email.maxAttempts} email attempts, ` +
      `backoff ${email.backoffMs} ms, concurrency ${settings.concurrency}`,
  );
  return { requests, malformed };
}

/** NecroStack's own logs, on stderr, at `--log-level`; none by default. */
export function spineLogger(settings: Settings): Logger | false {
  return settings.logLevel === "silent" ? false : createLogger({ level: settings.logLevel });
}

export function reportUnexpected(pipeline: MemoryPipeline): void {
  for (const failed of pipeline.unexpectedFailures) {
    console.error(
      `unexpected failure in ${failed.organ ?? "?"} on ${failed.event.eventType}: ${String(failed.error)}`,
    );
  }
}

/** `count` per second, as a rounded, grouped number. */
export function rate(count: number, seconds: number): string {
  return Math.round(count / Math.max(seconds, 1e-9)).toLocaleString("en-US");
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
