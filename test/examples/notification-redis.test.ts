/**
 * The notification pipeline on `--backend redis` with two worker processes, against a private
 * redis-server: the same input and seed must give exactly the summary the in-memory run gives
 * (that one is checked against the rules in notification-pipeline.test.ts), with every event
 * handled once, and the run must leave nothing behind in Redis.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { AuditLine } from "../../examples/notification-pipeline/audit-log.js";
import { RedisAuditLog } from "../../examples/notification-pipeline/redis-audit-log.js";
import type { Summary } from "../../examples/notification-pipeline/summary.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";

const MAIN = "examples/notification-pipeline/main.ts";
const RUN_TIMEOUT_MS = 90_000;

interface Result {
  summary: Summary;
  eventsProcessed: number;
  workers?: { name: string; eventsProcessed: number }[];
  workersDied?: number;
}

/**
 * Runs the example and returns its `--json` line; rejects on a non-zero exit. `onOutput` sees
 * stdout as it grows.
 */
function runExample(
  args: readonly string[],
  onOutput?: (stdout: string) => void,
): Promise<{ result: Result; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--json", "--quiet", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NECROSTACK_LOG_LEVEL: "silent" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      onOutput?.(stdout);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`example did not finish within ${RUN_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`),
      );
    }, RUN_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith('{"summary"'));
      if (code !== 0 || line === undefined) {
        reject(new Error(`example exited ${code}:\n${stdout}\n${stderr}`));
      } else {
        resolve({ result: JSON.parse(line) as Result, stdout, stderr });
      }
    });
  });
}

describeRedis("notification pipeline: --backend redis --workers 2", { timeout: 120_000 }, () => {
  let server: RedisServer;
  let redis: Redis;
  const dir = mkdtempSync(join(tmpdir(), "necrostack-notifications-redis-"));
  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const onRedis = (): string[] => [
    "--backend",
    "redis",
    "--redis",
    server.url,
    "--workers",
    "2",
    "--timeout-ms",
    "60000",
  ];

  it("gives the demo the same summary as the in-memory run, every notification settled once", async () => {
    const [inMemory, onTwoWorkers] = await Promise.all([runExample([]), runExample(onRedis())]);
    const summary = onTwoWorkers.result.summary;
    expect(summary).toEqual(inMemory.result.summary);
    expect(summary.unaccounted).toBe(0);
    expect(summary.completed + summary.invalid).toBe(summary.requested);
    expect(onTwoWorkers.result.workers).toHaveLength(2);
  });

  it("spreads a larger run over both workers and handles every event exactly once", async () => {
    const args = ["--stress", "--count", "1000", "--backoff-ms", "2"];
    const [inMemory, onTwoWorkers] = await Promise.all([
      runExample(args),
      runExample([...args, ...onRedis()]),
    ]);
    expect(onTwoWorkers.result.summary).toEqual(inMemory.result.summary);
    expect(onTwoWorkers.result.summary.deadLettered).toBeGreaterThan(0);
    expect(onTwoWorkers.result.summary.retries).toBeGreaterThan(0);
    // The same events as in memory, none handled twice (a redelivery would add to the count).
    expect(onTwoWorkers.result.eventsProcessed).toBe(inMemory.result.eventsProcessed);
    const workers = onTwoWorkers.result.workers ?? [];
    expect(workers).toHaveLength(2);
    for (const worker of workers) expect(worker.eventsProcessed).toBeGreaterThan(0);
    expect(onTwoWorkers.stdout).toMatch(/Throughput: \d+ events in [\d.]+ s/);
  });

  it("finishes with the exact summary when a worker is killed holding events", async () => {
    // No blocked numbers here: a dead-lettered send waits in its worker's memory for up to 50 ms
    // before it is reported (see the example's README), and this test is about the stream.
    const file = join(dir, "no-blocked-numbers.json");
    const users = ["user_001", "user_002", "user_004", "user_005"];
    const sets = [["email"], ["sms", "push"], ["email", "sms", "push"]];
    writeFileSync(
      file,
      JSON.stringify(
        Array.from({ length: 2_000 }, (_, i) => ({
          user_id: users[i % users.length],
          channels: sets[i % sets.length],
          message: `Message ${i}`,
        })),
      ),
    );
    const args = ["--file", file, "--backoff-ms", "2"];
    let killed: Promise<void> | undefined;
    const onRedisRun = runExample([...args, ...onRedis()], (stdout) => {
      const run = /Redis run (\S+) /.exec(stdout)?.[1];
      const pid = /Workers ready: pid (\d+)/.exec(stdout)?.[1];
      if (killed === undefined && run !== undefined && pid !== undefined) {
        killed = killWhenHolding(run, Number(pid));
      }
    });
    const [inMemory, afterKill] = await Promise.all([runExample(args), onRedisRun]);
    await killed;
    expect(afterKill.result.workersDied).toBe(1);
    expect(afterKill.stderr).toMatch(/worker \d+ exited \(SIGKILL\) during the run/);
    expect(afterKill.result.summary).toEqual(inMemory.result.summary);
    expect(afterKill.result.summary.unaccounted).toBe(0);
  });

  /** SIGKILLs worker `pid` of run `run` once it holds unacked entries (bounded wait). */
  async function killWhenHolding(run: string, pid: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const pending = (await redis.xpending(
        `${run}:events`,
        "notification-workers",
        "-",
        "+",
        10,
        `${run}:worker-${pid}`,
      )) as unknown[];
      if (pending.length > 0) break;
      if (Date.now() > deadline) throw new Error(`worker ${pid} never held an entry`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    process.kill(pid, "SIGKILL");
  }

  it("completes a notification exactly once when two workers record its last channels at once", async () => {
    const prefix = `test:audit:${Date.now()}`;
    const first = new RedisAuditLog(server.url, prefix);
    const second = new RedisAuditLog(server.url, prefix);
    const ids = Array.from({ length: 300 }, (_, i) => `n-${i + 1}`);
    const line = (notificationId: string, channel: "email" | "sms"): AuditLine => ({
      notificationId,
      userId: "user_001",
      channel,
      outcome: "delivered",
      attempts: channel === "email" ? 2 : 1,
    });
    try {
      const results = await Promise.all(
        ids.flatMap((id) => [
          first.record(line(id, "email"), ["email", "sms"]),
          second.record(line(id, "sms"), ["email", "sms"]),
        ]),
      );
      const completions = results.filter((result) => result !== null);
      expect(completions).toHaveLength(ids.length);
      expect(new Set(completions.map((c) => c?.notificationId))).toEqual(new Set(ids));
      // A redelivered event records nothing twice: the counts stay where they were.
      await Promise.all(ids.map((id) => second.record(line(id, "sms"), ["email", "sms"])));
      const totals = await first.totals();
      expect(totals).toMatchObject({
        completed: 300,
        retries: 300,
        delivered: { email: 300, sms: 300 },
      });
    } finally {
      await first.clear(ids);
      await Promise.all([first.close(), second.close()]);
    }
  });

  it("gives the completion again to a redelivery of the line that completed it, and only to that", async () => {
    const prefix = `test:audit:${Date.now()}:redelivery`;
    const audit = new RedisAuditLog(server.url, prefix);
    const line = (channel: "email" | "push"): AuditLine => ({
      notificationId: "n-1",
      userId: "user_001",
      channel,
      outcome: "delivered",
      attempts: 1,
    });
    try {
      expect(await audit.record(line("email"), ["email", "push"])).toBeNull();
      const completion = { notificationId: "n-1", delivered: ["email", "push"], failed: [] };
      expect(await audit.record(line("push"), ["email", "push"])).toEqual(completion);
      // The worker that completed it may crash before its DELIVERY_COMPLETED is committed.
      expect(await audit.record(line("push"), ["email", "push"])).toEqual(completion);
      expect(await audit.record(line("email"), ["email", "push"])).toBeNull();
      expect((await audit.totals()).completed).toBe(1);
    } finally {
      await audit.clear(["n-1"]);
      await audit.close();
    }
  });

  it("leaves no keys behind in Redis", async () => {
    await runExample(onRedis());
    expect(await redis.dbsize()).toBe(0);
  });
});
