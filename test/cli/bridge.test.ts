import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Bridge } from "../../src/backends/routing/bridge.js";
import { parseBridgeArgs } from "../../src/cli/bridge.js";
import { UsageError } from "../../src/cli/usage-error.js";
import { type Backend, Event, ForwardTargetError, InMemoryBackend } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { RedisBackend } from "../../src/redis.js";
import { WorkerProcess } from "../fixtures/worker-process.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";

/** payload.n -> how many entries of `type` the stream holds on `url`. */
async function countsOf(url: string, stream: string, type: string): Promise<Map<number, number>> {
  const redis = rawClient(url);
  try {
    const counts = new Map<number, number>();
    for (const [, fields] of (await redis.xrange(stream, "-", "+")) as [string, string[]][]) {
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

describe("necrostack bridge flags", () => {
  const usage = (argv: string[]) => () => parseBridgeArgs(argv);

  it("needs --from and --to, each a redis:// or postgres:// URL, and names the flag", () => {
    expect(usage(["--to", "redis://h:1"])).toThrow(/give the source with --from URL/);
    expect(usage(["--from", "redis://h:1"])).toThrow(/give the target with --to URL/);
    expect(usage(["--from", "http://h:1", "--to", "redis://h:1"])).toThrow(
      /expected `--from` to be a redis:\/\/, rediss:\/\/, postgres:\/\/ or postgresql:\/\/ URL, got "http:\/\/h:1"/,
    );
    expect(usage(["--from", "redis://h:1", "--to", "nope"])).toThrow(UsageError);
  });

  it("refuses --types and --group on a PostgreSQL source, and an empty type pattern", () => {
    expect(
      usage(["--from", "postgres://h/db", "--to", "redis://h:1", "--types", "AUDIT_*"]),
    ).toThrow(/--types needs a Redis source/);
    expect(usage(["--from", "redis://h:1", "--to", "redis://h:2", "--types", "A,,B"])).toThrow(
      /an empty one/,
    );
  });

  it("maps the flags to each backend's options, with the bridge's own consumer group", () => {
    const config = parseBridgeArgs([
      ...["--from", "redis://a:1", "--to", "postgres://b/db", "--from-stream", "orders"],
      ...["--to-stream", "audit", "--types", "AUDIT_*, ORDER_PLACED", "--concurrency", "8"],
    ]);
    expect(config).toMatchObject({
      from: {
        redisUrl: "redis://a:1",
        backend: { streamKey: "orders", consumerGroup: "necrostack-bridge" },
      },
      to: { postgresUrl: "postgres://b/db", backend: { stream: "audit" } },
      types: ["AUDIT_*", "ORDER_PLACED"],
      concurrency: 8,
    });
  });

  it("refuses a durable target without an idempotent enqueue", () => {
    const durable: Backend = {
      capabilities: {
        durable: true,
        atomicCommit: false,
        synchronous: false,
        delayedRelease: false,
        deadLetter: false,
        redelivery: false,
      },
      enqueue: async () => {},
      pull: async () => null,
      ack: async () => {},
    };
    expect(() => new Bridge({ from: new InMemoryBackend(), to: durable })).toThrow(
      ForwardTargetError,
    );
  });
});

describeRedis("necrostack bridge between two Redis servers", () => {
  let a: RedisServer;
  let b: RedisServer;
  beforeAll(async () => {
    [a, b] = await Promise.all([RedisServer.start(), RedisServer.start()]);
  });
  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
  });
  afterEach(() => WorkerProcess.killAll());

  it("forwards the AUDIT events exactly once across a SIGKILL, then stops on SIGTERM with exit 0", {
    timeout: 90_000,
  }, async () => {
    const stream = `bridge:${randomUUID()}`;
    const producer = new RedisBackend({ redisUrl: a.url, streamKey: stream, logger: false });
    const EVENTS = 600;
    for (let n = 0; n < EVENTS; n++) {
      await producer.enqueue(new Event(n % 3 === 0 ? "OTHER" : "AUDIT_JOB", { n }));
    }
    await producer.close();
    const audits = EVENTS - EVENTS / 3;
    const argv = [
      ...["bridge", "--from", a.url, "--to", b.url, "--from-stream", stream],
      ...["--to-stream", `${stream}:copy`, "--types", "AUDIT_*", "--consumer", "bridge-1"],
      ...["--claim-min-idle-ms", "500"],
    ];
    const first = WorkerProcess.spawn(argv);
    await waitUntil(
      "a first part forwarded",
      async () => (await countsOf(b.url, `${stream}:copy`, "AUDIT_JOB")).size >= 50,
      30_000,
    );
    expect(await first.kill()).toEqual({ code: null, signal: "SIGKILL" });

    const second = WorkerProcess.spawn(argv);
    // Its stop signals are handled from this line on. The first bridge may have forwarded
    // everything already, so the waits below can pass before this one has even started.
    await second.waitForStdout(/necrostack bridge: forwarding/, 30_000);
    await waitUntil(
      "every AUDIT event forwarded",
      async () => (await countsOf(b.url, `${stream}:copy`, "AUDIT_JOB")).size === audits,
      60_000,
    );
    await waitUntil(
      "nothing pending on the source",
      async () => {
        const redis = rawClient(a.url);
        try {
          const [pending] = (await redis.xpending(stream, "necrostack-bridge")) as [number];
          return pending === 0;
        } finally {
          redis.disconnect();
        }
      },
      30_000,
    );
    second.signal("SIGTERM");
    expect(await second.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    expect(second.stdout).toMatch(/necrostack bridge: forwarding stream .* to stream/);
    expect(second.stdout).toMatch(/stopped after forwarding \d+ events/);

    const copied = await countsOf(b.url, `${stream}:copy`, "AUDIT_JOB");
    expect(copied.size).toBe(audits);
    expect([...copied].filter(([, times]) => times !== 1)).toEqual([]);
    expect((await countsOf(b.url, `${stream}:copy`, "OTHER")).size).toBe(0);
    // The source keeps every event for its own groups.
    expect((await countsOf(a.url, stream, "OTHER")).size).toBe(EVENTS / 3);
  });
});

describePostgres("necrostack bridge between PostgreSQL and Redis", () => {
  const pg = usePrivatePostgres();
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.dispose();
  });
  afterEach(() => WorkerProcess.killAll());

  it("moves every event of the stream table to the Redis stream once", {
    timeout: 90_000,
  }, async () => {
    const stream = `bridge_${randomUUID().slice(0, 8)}`;
    const source = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    const events = Array.from({ length: 200 }, (_, n) => new Event("JOB", { n }));
    await source.enqueueMany(events);
    await source.close();

    const bridge = WorkerProcess.spawn([
      ...["bridge", "--from", pg.server.url, "--from-stream", stream],
      ...["--to", redis.url, "--to-stream", stream],
    ]);
    await waitUntil(
      "every event on Redis",
      async () => (await countsOf(redis.url, stream, "JOB")).size === events.length,
      60_000,
    );
    await waitUntil(
      "the table empty",
      async () => {
        const { rows } = await pg.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM necrostack.${stream}`,
        );
        return rows[0]?.n === 0;
      },
      30_000,
    );
    bridge.signal("SIGTERM");
    expect(await bridge.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    const copied = await countsOf(redis.url, stream, "JOB");
    expect([...copied].filter(([, times]) => times !== 1)).toEqual([]);
  });

  it("adds the AUDIT events of the Redis stream to the table once each, through enqueueOnce", {
    timeout: 90_000,
  }, async () => {
    const stream = `bridge_${randomUUID().slice(0, 8)}`;
    const source = new RedisBackend({ redisUrl: redis.url, streamKey: stream, logger: false });
    const audits = Array.from({ length: 150 }, (_, n) => new Event("AUDIT_ORDER", { n }));
    await Promise.all([...audits, new Event("JOB", { n: 0 })].map((e) => source.enqueue(e)));
    await source.close();

    const bridge = WorkerProcess.spawn([
      ...["bridge", "--from", redis.url, "--from-stream", stream, "--types", "AUDIT_*"],
      ...["--to", pg.server.url, "--to-stream", stream],
    ]);
    const rows = async () =>
      (
        await pg.pool
          .query<{ id: string; n: number }>(
            `SELECT id, count(*)::int AS n FROM necrostack.${stream} GROUP BY id`,
          )
          .catch(() => ({ rows: [] }))
      ).rows;
    await waitUntil(
      "every AUDIT event in the table",
      async () => (await rows()).length === audits.length,
      60_000,
    );
    bridge.signal("SIGTERM");
    expect(await bridge.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    const copied = await rows();
    expect(copied.filter((row) => row.n !== 1)).toEqual([]);
    expect(new Set(copied.map((row) => row.id))).toEqual(new Set(audits.map((event) => event.id)));
    const { rows: once } = await pg.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM necrostack.${stream}_once`,
    );
    expect(once[0]?.n).toBe(audits.length);
  });
});
