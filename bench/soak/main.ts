/**
 * `npm run soak`: a long run of real worker processes against a private Redis, with faults.
 *
 * Starts its own redis-server (appendonly, fsync always, loopback, free port) and `--workers`
 * `necrostack worker` processes (the built CLI) running START -> DONE (organs.ts); feeds
 * `--events` start events; SIGKILLs one worker every `--kill-every-ms` and starts a new one;
 * SIGKILLs Redis once mid-run and starts it again on the same data. Once every chain is complete
 * (or the run stalls or times out) it stops the workers with SIGTERM and prints the account:
 * events lost, duplicated emissions, reruns, dead letters, throughput, and worker RSS over time.
 * Exits 1 when anything was lost or duplicated, a worker crashed or the run did not finish.
 * See README.md.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Redis } from "ioredis";
import type * as RedisEntry from "../../src/redis.js";
import { rawClient } from "../../test/helpers/private-redis.js";
import { RedisServer } from "../../test/helpers/redis-server.js";
import { loadBuilt } from "../lib/built.js";
import { STREAM } from "./keys.js";
import { parseSoakArgs, type SoakOptions, USAGE } from "./options.js";
import {
  formatAccount,
  formatLogSummary,
  formatRss,
  formatWorkers,
  type RssTick,
} from "./report.js";
import { type Progress, readProgress, tally } from "./tally.js";
import { WorkerPool } from "./workers.js";

const DIST_CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const DIST_REDIS = fileURLToPath(new URL("../../dist/redis.js", import.meta.url));
const TICK_MS = 250;
const PROGRESS_EVERY_MS = 10_000;
const FEED_BATCH = 2_000;
/** How long a SIGTERMed worker may take to stop. */
const STOP_TIMEOUT_MS = 20_000;
/** How long Redis may take to load its data after the restart. */
const REDIS_LOAD_TIMEOUT_MS = 120_000;

interface Run {
  readonly options: SoakOptions;
  readonly dir: string;
  readonly server: RedisServer;
  readonly redis: Redis;
  readonly pool: WorkerPool;
  readonly clock: () => number;
}

let cleanup: (() => Promise<void>) | undefined;

async function main(): Promise<number> {
  const parsed = parseSoakArgs(process.argv.slice(2));
  if (parsed === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const options = parsed;
  for (const file of [DIST_CLI, DIST_REDIS]) {
    if (!existsSync(file)) throw new Error(`${file} does not exist: run \`npm run build\` first`);
  }
  const t0 = performance.now();
  const clock = (): number => performance.now() - t0;
  const say = (line: string): void => {
    process.stdout.write(`[${(clock() / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
  };
  const restartWhen =
    options.redisRestartAtMs === undefined
      ? "once half of the chains are complete"
      : `at ${options.redisRestartAtMs / 1000} s`;
  console.log(
    `NecroStack soak: ${options.events.toLocaleString("en-US")} start events (START -> DONE), ${options.workers} workers (concurrency ${options.concurrency}, claim-min-idle ${options.claimMinIdleMs} ms, handler failures: ${options.handlerFailureMode}), one SIGKILLed every ${options.killEveryMs / 1000} s, Redis SIGKILLed and restarted ${restartWhen}, timeout ${options.timeoutMs / 1000} s`,
  );

  const dir = mkdtempSync(join(tmpdir(), "necrostack-soak-"));
  const server = await RedisServer.start({ appendOnly: true });
  const redis = rawClient(server.url);
  const pool = new WorkerPool(options, server.url, dir, clock, say);
  let cleaned = false;
  cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    pool.killAllNow();
    redis.disconnect();
    await server.dispose();
    if (options.keep) console.log(`Kept ${dir} (worker logs)`);
    else rmSync(dir, { recursive: true, force: true });
  };
  // Last resort on any exit: no worker or redis-server outlives the soak.
  process.once("exit", () => {
    pool.killAllNow();
    void server.kill();
  });
  say(`redis-server on ${server.url} (data in ${server.dir}); logs in ${dir}`);
  try {
    return await soak({ options, dir, server, redis, pool, clock }, say);
  } finally {
    await cleanup();
  }
}

async function soak(run: Run, say: (line: string) => void): Promise<number> {
  const { options, server, redis, pool, clock } = run;
  pool.startAll();
  const feed = feedStarts(server.url, options.events, clock);
  const rssTicks: RssTick[] = [];
  let nextKillAt = options.killEveryMs;
  let kills = 0;
  let nextRssAt = 0;
  let nextProgressAt = PROGRESS_EVERY_MS;
  let restart = "not done (the run ended first)";
  let progress: Progress = { completed: 0, deadLettered: 0, runs: 0 };
  let lastAdvanceAt = 0;
  let outcome: string | undefined;
  let finishedAt = 0;

  while (outcome === undefined) {
    await sleep(TICK_MS);
    const now = clock();
    const latest = await readProgress(redis).catch(() => undefined);
    if (latest !== undefined) {
      if (latest.completed + latest.deadLettered > progress.completed + progress.deadLettered) {
        lastAdvanceAt = now;
      }
      progress = latest;
    }
    if (progress.completed + progress.deadLettered >= options.events) {
      outcome = "every start event's chain completed or was dead-lettered";
      finishedAt = now;
      break;
    }
    if (now >= options.timeoutMs) outcome = `timed out after ${(now / 1000).toFixed(1)} s`;
    else if (now - lastAdvanceAt >= options.stallMs && feed.done) {
      outcome = `stalled: no chain completed for ${options.stallMs / 1000} s`;
    }
    if (outcome !== undefined) {
      finishedAt = now;
      break;
    }
    if (now >= nextRssAt) {
      rssTicks.push({ atMs: pool.sampleRss(), redisMb: await redisRssMb(redis) });
      nextRssAt = now + options.rssEveryMs;
    }
    if (now >= nextProgressAt) {
      say(
        `fed ${fmt(feed.fed)}  completed ${fmt(progress.completed)}  dead-lettered ${fmt(progress.deadLettered)}  handler runs ${fmt(progress.runs)}  workers ${pool.live.map((w) => w.name).join(" ")}`,
      );
      nextProgressAt += PROGRESS_EVERY_MS;
    }
    const restartDue =
      options.redisRestartAtMs === undefined
        ? progress.completed >= options.events / 2
        : now >= options.redisRestartAtMs;
    if (restart.startsWith("not done") && restartDue) {
      restart = await restartRedis(run, progress, say);
      lastAdvanceAt = clock();
    }
    if (now >= nextKillAt) {
      await pool.kill(kills % options.workers);
      kills++;
      nextKillAt += options.killEveryMs;
    }
  }

  say(`${outcome}; stopping the workers (SIGTERM)`);
  rssTicks.push({ atMs: pool.sampleRss(), redisMb: await redisRssMb(redis) });
  await pool.stop(STOP_TIMEOUT_MS);
  say("counting (reading the whole stream)...");
  const account = await tally(redis, options.events);
  const crashes = pool.all
    .filter((w) => w.end === "crashed")
    .map(
      (w) =>
        `${w.name} exited ${JSON.stringify(w.exit)} (log: ${w.stderrPath}${run.options.keep ? "" : "; --keep keeps it"})`,
    );
  const stopProblems = pool.all
    .filter((w) => w.end === "stop failed" || (w.end === "stopped" && w.exit?.code !== 0))
    .map((w) => `${w.name} ${w.end} with ${JSON.stringify(w.exit)}`);
  const complete = outcome.startsWith("every");
  console.log("\nResult");
  console.log(
    formatAccount(
      options,
      {
        outcome: complete ? `${outcome} in ${(finishedAt / 1000).toFixed(1)} s` : outcome,
        elapsedMs: finishedAt - feed.startedAtMs,
        feedMs: (feed.finishedAtMs ?? clock()) - feed.startedAtMs,
        feederRetries: feed.retries,
        kills,
        crashes,
        redisRestart: restart,
        stopProblems,
      },
      account,
    ),
  );
  // About 30 rows at most.
  const stepMs = Math.max(options.rssEveryMs, Math.ceil(finishedAt / 30 / 1_000) * 1_000);
  console.log(
    `\nRSS over time (MB; the worker in each slot; read every ${options.rssEveryMs / 1000} s, a row every ${stepMs / 1000} s or so)`,
  );
  console.log(formatRss(pool.all, options.workers, rssTicks, stepMs));
  console.log("\nWorkers (start, lifetime, end)");
  console.log(formatWorkers(pool.all));
  console.log("\nWorker log lines at WARN and above (numbers blanked)");
  console.log(formatLogSummary(pool.all));
  const ok =
    complete &&
    account.lost.length === 0 &&
    account.duplicateEmissions === 0 &&
    crashes.length === 0 &&
    stopProblems.length === 0;
  console.log(`\n${ok ? "PASS" : "FAIL"}`);
  return ok ? 0 : 1;
}

/** SIGKILLs Redis and starts it again on the same data; says how it went. */
async function restartRedis(run: Run, progress: Progress, say: (line: string) => void) {
  const at = run.clock();
  const share = `${((100 * progress.completed) / run.options.events).toFixed(0)}% of chains complete`;
  say(`killing redis-server (SIGKILL), ${share}`);
  await run.server.kill();
  try {
    await run.server.start();
  } catch (error) {
    // Loading a large data set can outlast the helper's 10 s wait for PING.
    if (!run.server.running) throw error;
    const deadline = Date.now() + REDIS_LOAD_TIMEOUT_MS;
    while ((await run.redis.ping().catch(() => "")) !== "PONG") {
      if (Date.now() > deadline) throw new Error("Redis did not load its data within 120 s");
      await sleep(100);
    }
  }
  const back = run.clock() - at;
  say(`redis-server is back after ${(back / 1000).toFixed(1)} s`);
  return `SIGKILL at ${(at / 1000).toFixed(1)} s (${share}), answering again after ${(back / 1000).toFixed(1)} s`;
}

interface Feed {
  fed: number;
  retries: number;
  done: boolean;
  readonly startedAtMs: number;
  finishedAtMs: number | undefined;
}

/** Enqueues START {n} for n = 0..count-1 through the built RedisBackend, in batches. */
function feedStarts(url: string, count: number, clock: () => number): Feed {
  const feed: Feed = {
    fed: 0,
    retries: 0,
    done: false,
    startedAtMs: clock(),
    finishedAtMs: undefined,
  };
  const run = async (): Promise<void> => {
    const { Event } = await loadBuilt();
    const { RedisBackend } = (await import(pathToFileURL(DIST_REDIS).href)) as typeof RedisEntry;
    const producer = new RedisBackend({ redisUrl: url, streamKey: STREAM, logger: false });
    try {
      for (let from = 0; from < count; from += FEED_BATCH) {
        const to = Math.min(count, from + FEED_BATCH);
        for (;;) {
          const sends: Promise<void>[] = [];
          for (let n = from; n < to; n++) sends.push(producer.enqueue(new Event("START", { n })));
          const results = await Promise.allSettled(sends);
          if (results.every((r) => r.status === "fulfilled")) break;
          // Some of the batch may have been added: a START added twice shows in the account.
          feed.retries++;
          await sleep(500);
        }
        feed.fed = to;
      }
    } finally {
      await producer.close();
    }
    feed.finishedAtMs = clock();
    feed.done = true;
  };
  run().catch((error: unknown) => {
    console.error("The feeder failed:", error);
    feed.done = true;
  });
  return feed;
}

async function redisRssMb(redis: Redis): Promise<number | undefined> {
  try {
    const info = await redis.info("memory");
    const bytes = /^used_memory_rss:(\d+)/m.exec(info)?.[1];
    return bytes === undefined ? undefined : Number(bytes) / 1024 / 1024;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fmt(value: number): string {
  return value.toLocaleString("en-US");
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log(`\n${signal}: stopping the workers and Redis, removing the temporary files`);
    void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    console.error(error);
    await cleanup?.();
    process.exitCode = 1;
  },
);
