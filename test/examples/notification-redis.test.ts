/**
 * The notification pipeline on `--backend redis` with two worker processes, against a private
 * redis-server: the same input and seed must give exactly the summary the in-memory run gives
 * (that one is checked against the rules in notification-pipeline.test.ts), with every event
 * handled once, and the run must leave nothing behind in Redis.
 */
import { spawn } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Summary } from "../../examples/notification-pipeline/summary.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";

const MAIN = "examples/notification-pipeline/main.ts";
const RUN_TIMEOUT_MS = 90_000;

interface Result {
  summary: Summary;
  eventsProcessed: number;
  workers?: { name: string; eventsProcessed: number }[];
}

/** Runs the example and returns its `--json` line; rejects on a non-zero exit. */
function runExample(args: readonly string[]): Promise<{ result: Result; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "--json", "--quiet", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NECROSTACK_LOG_LEVEL: "silent" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
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
        resolve({ result: JSON.parse(line) as Result, stdout });
      }
    });
  });
}

describeRedis("notification pipeline: --backend redis --workers 2", { timeout: 120_000 }, () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.dispose();
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

  it("leaves no keys behind in Redis", async () => {
    await runExample(onRedis());
    expect(await redis.dbsize()).toBe(0);
  });
});
