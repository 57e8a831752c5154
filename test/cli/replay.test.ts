import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { groupStartId } from "../../src/backends/redis/replay-group.js";
import { parseReplayArgs } from "../../src/cli/replay.js";
import { main } from "../../src/cli.js";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { WorkerProcess } from "../fixtures/worker-process.js";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";
import { captureIO } from "./io.js";

const ORGANS = "test/replay/fixtures/shop-organs.ts";
const CHANGED_ORGANS = "test/replay/fixtures/shop-organs-fee.ts";

describe("necrostack replay flags", () => {
  const parse = (argv: string[]) => () =>
    parseReplayArgs(["--backend", "redis://h:1", ...argv], {});

  it("needs exactly one of --into, --group and --dry-run", () => {
    expect(parse([])).toThrow(/give exactly one of --into STREAM, --group NAME or --dry-run/);
    expect(parse(["--into", "a", "--group", "g"])).toThrow(/got more than one/);
    expect(parse(["--dry-run"])).toThrow(/--dry-run needs the organs module/);
    expect(parse(["--into", "a", "--organs", "x.js"])).toThrow(
      /--organs applies only with --dry-run/,
    );
  });

  it("refuses --group with filters, on PostgreSQL, and --into the stream read", () => {
    expect(parse(["--group", "g", "--type", "A"])).toThrow(
      /--group replays a contiguous range .* --type; use --into/,
    );
    expect(() => parseReplayArgs(["--backend", "postgres://h/db", "--group", "g"], {})).toThrow(
      /--group needs a Redis stream/,
    );
    expect(parse(["--stream", "s", "--into", "s"])).toThrow(/--into names the stream read/);
  });

  it("reads the selection, the rate and the batch size", () => {
    const config = parseReplayArgs(
      [
        ...[
          "--backend",
          "redis://h:1",
          "--stream",
          "s",
          "--into",
          "t",
          "--since",
          "2026-11-28T09:00:00Z",
        ],
        ...["--type", "A, B", "--correlation-id", "c", "--rate", "500", "--batch-size", "50"],
      ],
      {},
    );
    expect(config).toMatchObject({
      selection: { since: "2026-11-28T09:00:00Z", types: ["A", "B"], correlationId: "c" },
      destination: { kind: "into", stream: "t" },
      rate: 500,
      batchSize: 50,
    });
  });
});

describe("groupStartId", () => {
  it("is the id just before the first entry to deliver", () => {
    expect(groupStartId(undefined)).toBe("0");
    expect(groupStartId("1700000000000-5")).toBe("1700000000000-4");
    expect(groupStartId("1700000000000-0")).toBe("1699999999999-18446744073709551615");
    expect(groupStartId(1_700_000_000_000)).toBe("1699999999999-18446744073709551615");
    expect(groupStartId("0-0")).toBe("0");
  });
});

describeRedis("necrostack replay on a private Redis", () => {
  let server: RedisServer;
  let redis: Redis;
  let n = 0;
  const next = (prefix: string) => `${prefix}-${++n}`;

  const run = async (argv: string[]) => {
    const io = captureIO({ env: {} });
    const code = await main(["replay", "--backend", server.url, ...argv], io);
    return { code, out: io.stdoutText(), err: io.stderrText() };
  };

  /** `count` events of types A and B in `stream`, oldest first. */
  async function fill(stream: string, count: number): Promise<{ ids: string[]; events: Event[] }> {
    const events = Array.from({ length: count }, (_, i) => new Event(i % 2 ? "B" : "A", { i }));
    const pipeline = redis.pipeline();
    for (const event of events) pipeline.xadd(stream, "*", "event", JSON.stringify(event.toJSON()));
    const ids = ((await pipeline.exec()) ?? []).map(([, id]) => id as string);
    return { ids, events };
  }

  const replayedFrom = async (stream: string) =>
    ((await redis.xrange(stream, "-", "+")) as [string, string[]][]).map(([, fields]) => {
      const headers = JSON.parse(fields[fields.indexOf("headers") + 1] as string) as Record<
        string,
        string
      >;
      return headers["replayed-from"];
    });

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = rawClient(server.url);
  });

  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
  });

  afterEach(async () => {
    await WorkerProcess.killAll();
  });

  it("replays a range of types into a stream and prints the summary", async () => {
    const source = next("src");
    const target = next("dst");
    const { ids, events } = await fill(source, 100);
    const argv = [
      ...["--stream", source, "--into", target],
      ...["--since", ids[10] as string, "--until", ids[59] as string, "--type", "B"],
    ];
    const { code, out } = await run(argv);
    expect(code).toBe(0);
    expect(out).toMatch(
      /^Replay r-[0-9a-f]{16} into stream dst-\d+ at redis:\/\/127\.0\.0\.1:\d+: done/,
    );
    expect(out).toMatch(/scanned +50 entries\n +selected +25\n +replayed +25\n +skipped +0/);
    expect(await replayedFrom(target)).toEqual(
      events
        .slice(10, 60)
        .filter((e) => e.eventType === "B")
        .map((e) => e.id),
    );
    // The same command again finds the replay done and writes nothing more.
    const again = await run([...argv, "--json"]);
    expect(JSON.parse(again.out)).toMatchObject({ done: true, resumed: true, replayed: 25 });
    expect(await redis.xlen(target)).toBe(25);
  });

  it("resumes after the replaying process is killed with SIGKILL, delivering no event twice", async () => {
    const source = next("src");
    const target = next("dst");
    const { events } = await fill(source, 3_000);
    const argv = [
      "--stream",
      source,
      "--into",
      target,
      "--replay-id",
      "killed",
      "--batch-size",
      "20",
    ];
    const child = WorkerProcess.spawn([
      "replay",
      ...["--backend", server.url, ...argv, "--rate", "1000"],
    ]);
    await waitUntil("the replay half way", async () => (await redis.xlen(target)) >= 600, 30_000);
    await child.kill();
    const copied = await redis.xlen(target);
    expect(copied).toBeLessThan(3_000);
    const progress = JSON.parse(
      (await redis.hget(`${target}:replay:killed`, "progress")) as string,
    );
    // What the progress says was replayed is exactly what is in the stream: one atomic step.
    expect(progress.replayed).toBe(copied);
    const { code, out } = await run([...argv, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      resumed: true,
      done: true,
      replayed: 3_000,
      scanned: 3_000,
    });
    const from = await replayedFrom(target);
    expect(from).toHaveLength(3_000);
    expect(from).toEqual(events.map((event) => event.id));
  }, 60_000);

  it("draws the progress bar on stderr with --progress, the summary staying on stdout", async () => {
    const source = next("src");
    await fill(source, 2_000);
    const { code, out, err } = await run([
      ...[
        "--stream",
        source,
        "--into",
        next("dst"),
        "--progress",
        "--batch-size",
        "10",
        "--rate",
        "4000",
      ],
    ]);
    expect(code).toBe(0);
    expect(err).toMatch(/\r\[#*\.*\] +\d+% +[\d,]+\/2,000 entries, [\d,]+ replayed, [\d,]+\/s/);
    expect(err.endsWith("\n")).toBe(true);
    expect(out).not.toContain("\r");
    expect(out).toMatch(/replayed +2,000/);
  });

  it("says which part of the range is no longer available", async () => {
    const source = next("src");
    const { ids } = await fill(source, 50);
    await redis.xtrim(source, "MAXLEN", 20);
    const { code, out } = await run([
      "--stream",
      source,
      "--into",
      next("dst"),
      "--since",
      ids[0] as string,
    ]);
    expect(code).toBe(0);
    expect(out).toContain(`NOT AVAILABLE: the stream keeps nothing before entry ${ids[30]}`);
    expect(out).toMatch(/replayed +20/);
    const dry = await run([
      ...["--stream", source, "--since", ids[0] as string, "--dry-run", "--organs", ORGANS],
    ]);
    expect(dry.out).toContain(`NOT AVAILABLE: the stream keeps nothing before entry ${ids[30]}`);
    expect(dry.out).toMatch(/those events were not run\n[\s\S]*20 events run/);
  });

  it("creates a fresh consumer group just before --since, whose consumer gets the range again", async () => {
    const source = next("src");
    const { ids, events } = await fill(source, 30);
    const { code, out } = await run([
      "--stream",
      source,
      "--group",
      "again",
      "--since",
      ids[12] as string,
    ]);
    expect(code).toBe(0);
    expect(out).toMatch(
      /Created consumer group again on stream src-\d+ at .*: its workers handle 18 entries/,
    );
    const consumer = new RedisBackend({
      redisUrl: server.url,
      streamKey: source,
      consumerGroup: "again",
      logger: false,
    });
    try {
      const first = await consumer.pull(2_000);
      expect(first?.id).toBe(events[12]?.id);
    } finally {
      await consumer.close();
    }
    const busy = await run(["--stream", source, "--group", "again"]);
    expect(busy.code).toBe(1);
    expect(busy.err).toMatch(/consumer group again already exists/);
  });

  describe("--dry-run against a recorded multi-process run", () => {
    const stream = "shop";
    beforeAll(async () => {
      const producer = new RedisBackend({ redisUrl: server.url, streamKey: stream, logger: false });
      for (const [i, orderId] of ["o-1", "o-2", "o-3"].entries()) {
        await producer.enqueue(new Event("ORDER_PLACED", { orderId, total: 10 * (i + 1) }));
      }
      await producer.close();
      const worker = WorkerProcess.start({
        redisUrl: server.url,
        organs: ORGANS,
        args: ["--stream", stream],
      });
      await waitUntil("the orders handled", async () => (await redis.xlen(stream)) === 12, 30_000);
      worker.signal("SIGTERM");
      await worker.exited;
    }, 60_000);

    it("finds no difference with the organs that ran, and writes nothing", async () => {
      const before = await redis.xlen(stream);
      const { code, out } = await run(["--stream", stream, "--dry-run", "--organs", ORGANS]);
      expect(out).toMatch(/12 events run \(12 entries scanned\), 0 differ\. Nothing was written\./);
      expect(code).toBe(0);
      expect(await redis.xlen(stream)).toBe(before);
    });

    it("shows what a changed organ emits now next to what it emitted then, and exits 1", async () => {
      const { code, out } = await run([
        ...["--stream", stream, "--type", "ORDER_PLACED", "--dry-run", "--organs", CHANGED_ORGANS],
      ]);
      expect(code).toBe(1);
      expect(out).toMatch(
        /ORDER_PLACED .*\n {2}then PAYMENT_TAKEN \{"orderId":"o-2","amount":20\}\n {2}now {2}PAYMENT_TAKEN \{"orderId":"o-2","amount":22\}\n {2}≠ payload\.amount: 20 -> 22/,
      );
      expect(out).toMatch(/3 events run .*, 3 differ\./);
      const json = await run([
        ...[
          "--stream",
          stream,
          "--type",
          "ORDER_PLACED",
          "--dry-run",
          "--organs",
          CHANGED_ORGANS,
          "--json",
        ],
      ]);
      const result = JSON.parse(json.out) as {
        differing: number;
        differences: { changed: { differences: string[] }[] }[];
      };
      expect(result.differing).toBe(3);
      expect(result.differences[0]?.changed[0]?.differences).toEqual(["payload.amount: 10 -> 11"]);
    });
  });
});
