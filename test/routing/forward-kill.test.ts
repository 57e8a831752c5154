import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { Event, RoutingBackend } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { ROOT } from "../fixtures/worker-process.js";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";

const WORKER = "test/routing/fixtures/routing-worker.ts";
const JOBS = 60;

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const children = new Set<ChildProcess>();

/** Starts the routing worker with `env`; resolves its exit. */
function startWorker(env: Record<string, string>): {
  child: ChildProcess;
  exited: Promise<Exit>;
  output: () => string;
} {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, exited, output: () => output };
}

/** The entries of `stream` of type `type`, as payload.n -> how many. */
async function countsOf(url: string, stream: string, type: string): Promise<Map<number, number>> {
  const redis = rawClient(url);
  try {
    const entries = (await redis.xrange(stream, "-", "+")) as [string, string[]][];
    const counts = new Map<number, number>();
    for (const [, fields] of entries) {
      const event = Event.fromJSON(fields[fields.indexOf("event") + 1] as string);
      if (event.eventType !== type) continue;
      const n = event.payload.n as number;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    return counts;
  } finally {
    redis.disconnect();
  }
}

describeRedis("RoutingBackend: a worker killed between commit and forward", () => {
  let a: RedisServer;
  let b: RedisServer;
  beforeAll(async () => {
    [a, b] = await Promise.all([RedisServer.start(), RedisServer.start()]);
  });
  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
  });
  afterEach(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  it("forwards every AUDIT event to its backend exactly once after two SIGKILLs", {
    timeout: 120_000,
  }, async () => {
    const stream = `routing-kill:${randomUUID()}`;
    const key = `record:${randomUUID()}`;
    const env = {
      ROUTING_A_URL: a.url,
      ROUTING_B_URL: b.url,
      ROUTING_STREAM: stream,
      ROUTING_KEY: key,
    };
    const producer = new RoutingBackend({
      routes: [
        {
          types: ["AUDIT_*"],
          backend: new RedisBackend({ redisUrl: b.url, streamKey: stream, logger: false }),
        },
        {
          types: ["*"],
          backend: new RedisBackend({ redisUrl: a.url, streamKey: stream, logger: false }),
        },
      ],
      logger: false,
    });
    for (let n = 0; n < JOBS; n++) await producer.enqueue(new Event("JOB", { n }));
    await producer.close();

    // 1. Killed right after JOB 20's commit: AUDIT_JOB 20 waits on A, not yet on B.
    const first = startWorker({ ...env, CRASH_AFTER_COMMIT_OF_JOB: "20" });
    expect(await first.exited, first.output()).toEqual({ code: null, signal: "SIGKILL" });
    expect((await countsOf(a.url, stream, "AUDIT_JOB")).get(20)).toBe(1);
    expect((await countsOf(b.url, stream, "AUDIT_JOB")).get(20)).toBeUndefined();

    // 2. Killed right after B added AUDIT_JOB 40, before A acked it: it is still pending on A.
    const second = startWorker({ ...env, CRASH_AFTER_FORWARD_OF_JOB: "40" });
    expect(await second.exited, second.output()).toEqual({ code: null, signal: "SIGKILL" });
    expect((await countsOf(b.url, stream, "AUDIT_JOB")).get(40)).toBe(1);
    const redisA = rawClient(a.url);
    const redisB = rawClient(b.url);
    try {
      const [pendingOnA] = (await redisA.xpending(stream, "g")) as [number, ...unknown[]];
      expect(pendingOnA).toBeGreaterThan(0);

      // 3. A third worker recovers what the two left and finishes the run.
      const third = startWorker(env);
      await waitUntil(
        "every AUDIT_JOB is handled",
        async () => (await redisA.hlen(`${key}:audit`)) === JOBS,
        60_000,
      );
      // Let the forwards and acks of the last events settle before stopping.
      await waitUntil(
        "nothing pending on A or B",
        async () => {
          const [onA] = (await redisA.xpending(stream, "g")) as [number, ...unknown[]];
          const [onB] = (await redisB.xpending(stream, "g")) as [number, ...unknown[]];
          return onA === 0 && onB === 0;
        },
        30_000,
      );
      third.child.kill("SIGTERM");
      expect(await third.exited, third.output()).toEqual({ code: 0, signal: null });

      // Every AUDIT_JOB is on B exactly once, and was handled (at least once: a worker killed
      // while handling one leaves it to be handled again, as at-least-once delivery does).
      const onB = await countsOf(b.url, stream, "AUDIT_JOB");
      expect(onB.size).toBe(JOBS);
      expect([...onB].filter(([, times]) => times !== 1)).toEqual([]);
      const audits = await redisA.hgetall(`${key}:audit`);
      expect(Object.keys(audits)).toHaveLength(JOBS);
      // No JOB lost: each one's AUDIT_JOB went through A once.
      const onA = await countsOf(a.url, stream, "AUDIT_JOB");
      expect(onA.size).toBe(JOBS);
      expect([...onA].filter(([, times]) => times !== 1)).toEqual([]);
      // B's window remembers what it added.
      expect(await redisB.zcard(`${stream}:once`)).toBe(JOBS);
    } finally {
      redisA.disconnect();
      redisB.disconnect();
    }
  });
});
