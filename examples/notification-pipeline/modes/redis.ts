/**
 * `--backend redis [--workers N]`: this process is the coordinator. It starts N worker
 * processes (this same program with `--worker <run id>`), puts the requests on the run's stream,
 * waits until the shared audit log has settled every one of them, stops the workers and prints
 * the summary. The workers do all the handling.
 */
import { type ChildProcess, fork } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Event } from "necrostack";
import { RedisBackend } from "necrostack/redis";
import { NOTIFICATION_REQUESTED, type RequestedPayload } from "../events.js";
import { RedisAuditLog } from "../redis-audit-log.js";
import type { Settings } from "../settings.js";
import {
  formatAuditLine,
  formatSummary,
  MAX_AUDITED_SHOWN,
  type Summary,
  summarize,
} from "../summary.js";
import { rate, readRequests, spineLogger } from "./batch.js";
import {
  CLAIM_MIN_IDLE_MS,
  newRunId,
  runKeys,
  type StopMessage,
  type WorkerReady,
  type WorkerReport,
} from "./redis-run.js";

export { runWorker } from "./redis-worker.js";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
/** How often the coordinator asks the audit log how many notifications have settled. */
const PROGRESS_POLL_MS = 25;
/** Requests put on the stream at once (ioredis pipelines them into few writes). */
const ENQUEUE_CHUNK = 1_000;

export async function runRedis(settings: Settings): Promise<Summary> {
  const { requests, malformed } = readRequests(settings);
  const keys = runKeys(newRunId());
  console.log(
    `Redis run ${keys.runId} with ${settings.workers} worker${settings.workers === 1 ? "" : "s"}`,
  );
  const producer = new RedisBackend({
    redisUrl: settings.redisUrl,
    streamKey: keys.streamKey,
    consumerGroup: keys.consumerGroup,
    consumerName: `${keys.runId}:coordinator`,
    logger: spineLogger(settings),
  });
  const audit = new RedisAuditLog(settings.redisUrl, keys.auditPrefix);
  const ids = requests.map((_, i) => `n-${i + 1}`);
  const workers = startWorkers(settings, keys.runId);
  try {
    // Timing starts once every worker is connected: process start-up is not throughput.
    await Promise.all(workers.map((worker) => ready(worker, settings.timeoutMs)));
    console.log(`Workers ready: pid ${workers.map((worker) => worker.pid).join(", pid ")}`);
    const died = watchForDeaths(workers);
    const started = performance.now();
    for (let i = 0; i < requests.length; i += ENQUEUE_CHUNK) {
      const chunk = requests.slice(i, i + ENQUEUE_CHUNK).map((request, j) =>
        producer.enqueue(
          new Event(NOTIFICATION_REQUESTED, {
            ...request,
            notificationId: ids[i + j] as string,
          } satisfies RequestedPayload),
        ),
      );
      await Promise.all(chunk);
    }
    await waitUntilSettled(audit, producer, requests.length, settings.timeoutMs, workers);
    const durationMs = performance.now() - started;
    const reports = await stopWorkers(
      workers.filter((worker) => !died.has(worker)),
      settings.timeoutMs,
    );

    if (!settings.quiet && requests.length <= MAX_AUDITED_SHOWN) {
      console.log("\nAudit");
      for (const line of await audit.linesOf(ids)) console.log(formatAuditLine(line));
    }
    const summary = summarize(requests.length, await audit.totals());
    console.log(`\n${formatSummary(summary)}`);
    const eventsProcessed = reports.reduce((sum, report) => sum + report.eventsProcessed, 0);
    const shares = reports.map(
      (r) => `${r.consumerName.slice(keys.runId.length + 1)} ${r.eventsProcessed} events`,
    );
    for (const worker of died) shares.push(`worker-${worker.pid} died`);
    console.log(`\nWorkers: ${shares.join(", ")}`);
    const seconds = durationMs / 1000;
    console.log(
      `Throughput: ${eventsProcessed} events in ${seconds.toFixed(3)} s = ${rate(eventsProcessed, seconds)} events/s, ` +
        `${rate(requests.length, seconds)} notifications/s`,
    );
    for (const report of reports) {
      for (const failure of report.unexpectedFailures)
        console.error(`unexpected failure: ${failure}`);
    }
    if (settings.json) {
      console.log(
        JSON.stringify({
          summary,
          malformed: malformed.length,
          eventsProcessed,
          durationMs: Math.round(durationMs),
          workers: reports.map((r) => ({
            name: r.consumerName,
            eventsProcessed: r.eventsProcessed,
          })),
          workersDied: died.size,
        }),
      );
    }
    return summary;
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill("SIGTERM");
    await audit.clear(ids, [keys.streamKey, producer.dlqStream]).catch((error: unknown) => {
      console.error(`could not delete the run's keys: ${(error as Error).message}`);
    });
    await producer.close();
    await audit.close();
  }
}

function startWorkers(settings: Settings, runId: string): ChildProcess[] {
  const args = [
    "--backend",
    "redis",
    "--redis",
    settings.redisUrl,
    "--worker",
    runId,
    "--seed",
    String(settings.email.seed),
    "--email-failure-rate",
    String(settings.email.failureRate),
    "--max-email-attempts",
    String(settings.email.maxAttempts),
    "--backoff-ms",
    String(settings.email.backoffMs),
    "--concurrency",
    String(settings.concurrency),
    "--log-level",
    settings.logLevel,
  ];
  const workers: ChildProcess[] = [];
  for (let i = 0; i < settings.workers; i++) {
    // The same runtime flags as this process (the TypeScript loader, when run from source).
    workers.push(
      fork(MAIN, args, {
        execArgv: process.execArgv,
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      }),
    );
  }
  return workers;
}

/** Resolves once `worker` says it is connected; rejects if it exits first or takes too long. */
function ready(worker: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`Worker ${worker.pid} did not connect within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: WorkerReady): void => {
      if (message.type !== "ready") return;
      clearTimeout(timer);
      worker.off("exit", onExit);
      worker.off("message", onMessage);
      resolve();
    };
    const onExit = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      reject(new Error(`Worker ${worker.pid} exited (${code ?? signal}) before it connected`));
    };
    worker.on("message", onMessage);
    worker.once("exit", onExit);
  });
}

/**
 * Notes each worker that exits before it is told to stop. Its unacked events stay pending in the
 * consumer group, and the other workers claim them once idle for `claimMinIdleMs`; the run goes
 * on while one worker is left.
 */
function watchForDeaths(workers: readonly ChildProcess[]): Set<ChildProcess> {
  const died = new Set<ChildProcess>();
  for (const worker of workers) {
    const onExit = (code: number | null, signal: string | null): void => {
      died.add(worker);
      console.error(
        `worker ${worker.pid} exited (${code ?? signal}) during the run; the others take over its pending events once they have been idle ${CLAIM_MIN_IDLE_MS} ms`,
      );
    };
    worker.once("exit", onExit);
    worker.once("message", function stopping(message: WorkerReport) {
      if (message.type === "stopped") worker.off("exit", onExit);
      else worker.once("message", stopping);
    });
  }
  return died;
}

/**
 * Resolves once every request is completed or invalid and the stream is drained (the last
 * DELIVERY_COMPLETED events handled too); rejects on timeout or once no worker is left.
 */
async function waitUntilSettled(
  audit: RedisAuditLog,
  producer: RedisBackend,
  requested: number,
  timeoutMs: number,
  workers: readonly ChildProcess[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const totals = await audit.totals();
    const settled = totals.completed + totals.invalid;
    if (settled >= requested) {
      const { details } = await producer.health();
      // Redis before 7 reports no lag; there, nothing pending is the best sign available.
      if (details.pending === 0 && (details.lag === 0 || details.lag === null)) return;
    }
    if (workers.every((worker) => worker.exitCode !== null || worker.signalCode !== null)) {
      throw new Error(
        `Every worker exited with ${requested - settled} of ${requested} notifications unsettled`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Only ${settled} of ${requested} notifications settled within ${timeoutMs} ms; raise --timeout-ms or add --workers`,
      );
    }
    await sleep(PROGRESS_POLL_MS);
  }
}

/** Asks every worker to stop and collects its report. */
async function stopWorkers(
  workers: readonly ChildProcess[],
  timeoutMs: number,
): Promise<WorkerReport[]> {
  return Promise.all(
    workers.map(
      (worker) =>
        new Promise<WorkerReport>((resolve, reject) => {
          let report: WorkerReport | undefined;
          const timer = setTimeout(() => {
            worker.kill("SIGKILL");
            reject(new Error(`Worker ${worker.pid} did not stop within ${timeoutMs} ms`));
          }, timeoutMs);
          worker.on("message", (message: WorkerReport) => {
            if (message.type === "stopped") report = message;
          });
          worker.once("exit", (code, signal) => {
            clearTimeout(timer);
            if (report !== undefined && code === 0) resolve(report);
            else
              reject(new Error(`Worker ${worker.pid} exited (${code ?? signal}) without a report`));
          });
          worker.send({ type: "stop" } satisfies StopMessage);
        }),
    ),
  );
}
