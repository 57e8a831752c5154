import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ENQUEUE_USAGE } from "../../src/cli/enqueue.js";
import { main } from "../../src/cli.js";
import { Event } from "../../src/index.js";
import { ROOT, WorkerProcess } from "../fixtures/worker-process.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { recordingIO } from "./io.js";

const UUID = "3f2b8c1e-4a5d-4e6f-8a9b-0c1d2e3f4a5b";

describe("necrostack enqueue flags", () => {
  it.each([
    [["--type", "JOB"], /give the Redis server with --redis .* \(or set REDIS_URL\)/],
    [["--redis", "redis://h"], /give the event type with --type TYPE/],
    [["--redis", "redis://h", "--type", "  "], /`--type` to be a non-empty string/],
    [
      ["--redis", "redis://h", "--type", "JOB", "--payload", "{n:1}"],
      /`--payload` to be a JSON object, but it is not valid JSON: /,
    ],
    [
      ["--redis", "redis://h", "--type", "JOB", "--payload", "[1,2]"],
      /`--payload` to be a JSON object, got \[1,2\] \(array\)/,
    ],
    [
      ["--redis", "redis://h", "--type", "JOB", "--payload", '{"at":1e999}'],
      /payload\.at: must be a finite number, got Infinity/,
    ],
    [["--redis", "redis://h", "--type", "JOB", "--id", "42"], /id: must be a UUID v4, got `42`/],
    [["--redis", "redis://h", "--type", "JOB", "--timeout-ms", "0"], /`--timeout-ms` .* from 1/],
    [["--redis", "redis://h", "--type", "JOB", "--tpye", "X"], /Unknown option '--tpye'/],
    [
      ["--redis", "redis://h", "--type", "JOB", "--file", "x"],
      /either --file or --type .*not both/,
    ],
  ])("rejects %j, exiting 2 with a message naming the problem", async (argv, message) => {
    const io = recordingIO();
    expect(await main(["enqueue", ...argv], io)).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.err).toContain('Run "necrostack enqueue --help" for usage.');
    expect(io.out).toBe("");
  });

  it("prints its usage for --help and exits 0", async () => {
    const io = recordingIO();
    expect(await main(["enqueue", "--help"], io)).toBe(0);
    expect(io.out).toBe(ENQUEUE_USAGE);
  });

  it("exits 1 within --timeout-ms when nothing answers, with the password masked", async () => {
    // Port 1 on loopback: nothing listens there, so every connection attempt is refused.
    const io = recordingIO();
    const argv = [
      "--redis",
      "redis://:hunter2@127.0.0.1:1",
      "--type",
      "JOB",
      "--timeout-ms",
      "300",
    ];
    const started = Date.now();
    expect(await main(["enqueue", ...argv], io)).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(io.err).toMatch(
      /could not add the event to stream necrostack:events at redis:\/\/:\*\*\*@127\.0\.0\.1:1: /,
    );
    expect(io.err).not.toContain("hunter2");
    expect(io.out).toBe("");
  });
});

describe("necrostack enqueue with a deeply nested payload", () => {
  // Nothing listens on port 1: an event that got as far as Redis would fail with exit code 1.
  const NOWHERE = "redis://127.0.0.1:1";
  const deep = (levels: number): string => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;

  function expectDepthRejected(io: { out: string; err: string }): void {
    const [message, hint, ...rest] = io.err.split("\n");
    expect(message).toMatch(/nests deeper than 256 levels/);
    expect(hint).toBe('Run "necrostack enqueue --help" for usage.');
    expect(rest).toEqual([""]);
    expect(io.err).not.toMatch(/RangeError|unexpected error/);
    expect(io.out).toBe("");
  }

  it.each([257, 100_000])(
    "exits 2 with a one-line message for --payload %i levels deep, before connecting",
    async (levels) => {
      const io = recordingIO();
      const argv = ["--redis", NOWHERE, "--type", "DEEP", "--payload", deep(levels)];
      expect(await main(["enqueue", ...argv], io)).toBe(2);
      expectDepthRejected(io);
      expect(io.err).toMatch(/^necrostack enqueue: Invalid event: payload\.a\.a/);
    },
  );

  it("exits 2 naming the line for a file whose event is 100,000 levels deep", async () => {
    const dir = mkdtempSync(join(tmpdir(), "necrostack-enqueue-"));
    try {
      const file = join(dir, "deep.jsonl");
      writeFileSync(file, `{"event_type":"A"}\n{"event_type":"B","payload":${deep(100_000)}}\n`);
      const io = recordingIO();
      expect(await main(["enqueue", "--redis", NOWHERE, "--file", file], io)).toBe(2);
      expectDepthRejected(io);
      expect(io.err).toMatch(/^\S*deep\.jsonl line 2: Invalid event: payload\.a\.a/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeRedis("necrostack enqueue (on a private redis-server)", () => {
  let server: RedisServer;
  let redis: Redis;
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "necrostack-enqueue-"));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  beforeAll(async () => {
    server = await RedisServer.start();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.dispose();
  });

  async function entries(stream: string): Promise<Event[]> {
    const raw = (await redis.xrange(stream, "-", "+")) as [string, string[]][];
    return raw.map(([, fields]) => Event.fromJSON(fields[fields.indexOf("event") + 1] as string));
  }

  it("adds the event in the wire format and prints its id", async () => {
    const stream = `enqueue:${randomUUID()}`;
    const io = recordingIO();
    const argv = ["--redis", server.url, "--stream", stream, "--type", "ORDER_PLACED"];
    const payload = '{"orderId":"o-1","items":[{"sku":"A","qty":2}]}';
    expect(await main(["enqueue", ...argv, "--payload", payload, "--id", UUID], io)).toBe(0);
    expect(io.out).toBe(`${UUID}\n`);
    const [event, ...rest] = await entries(stream);
    expect(rest).toEqual([]);
    expect(event?.id).toBe(UUID);
    expect(event?.eventType).toBe("ORDER_PLACED");
    expect(event?.payload).toEqual({ orderId: "o-1", items: [{ sku: "A", qty: 2 }] });
  });

  it("gives each event a new id and an empty payload by default, using REDIS_URL", async () => {
    const stream = `enqueue:${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const io = recordingIO({ REDIS_URL: server.url });
      expect(await main(["enqueue", "--stream", stream, "--type", "PING"], io)).toBe(0);
      ids.push(io.out.trim());
    }
    const events = await entries(stream);
    expect(events.map((e) => e.id)).toEqual(ids);
    expect(new Set(ids).size).toBe(2);
    expect(events.map((e) => e.payload)).toEqual([{}, {}]);
  });

  it("runs as its own process through the necrostack command", async () => {
    const stream = `enqueue:${randomUUID()}`;
    const cli = WorkerProcess.spawn([
      ...["enqueue", "--redis", server.url, "--stream", stream, "--type", "PING"],
      ...["--payload", '{"n":1}'],
    ]);
    expect(await cli.waitForExit(30_000)).toEqual({ code: 0, signal: null });
    const [event] = await entries(stream);
    expect(cli.stdout).toBe(`${event?.id}\n`);
    expect(event?.payload).toEqual({ n: 1 });
  });

  it("adds every event of a JSON-lines file in order and prints their ids in that order", async () => {
    const stream = `enqueue:${randomUUID()}`;
    const file = join(dir, "events.jsonl");
    const lines = [
      JSON.stringify({ event_type: "A", payload: { n: 1 } }),
      "",
      JSON.stringify({
        id: UUID,
        timestamp: "2024-01-15T10:30:45.123456+00:00",
        event_type: "B",
        payload: { n: 2 },
      }),
      `${JSON.stringify({ event_type: "C" })}\r`,
    ];
    writeFileSync(file, `${lines.join("\n")}\n`);
    const io = recordingIO();
    const argv = ["--redis", server.url, "--stream", stream, "--file", "events.jsonl"];
    expect(await main(["enqueue", ...argv], { ...io, cwd: dir })).toBe(0);
    const events = await entries(stream);
    expect(events.map((e) => e.eventType)).toEqual(["A", "B", "C"]);
    expect(io.out).toBe(events.map((e) => `${e.id}\n`).join(""));
    expect(events[1]?.id).toBe(UUID);
    expect(events[1]?.timestamp.toISOString()).toBe("2024-01-15T10:30:45.123Z");
  });

  it("adds nothing from a file with an invalid line, and names the line", async () => {
    const stream = `enqueue:${randomUUID()}`;
    const file = join(dir, "events.jsonl");
    writeFileSync(file, '{"event_type":"A"}\n{"event_type":"B","paylod":{}}\n');
    const io = recordingIO();
    expect(
      await main(["enqueue", "--redis", server.url, "--stream", stream, "--file", file], io),
    ).toBe(2);
    expect(io.err).toMatch(/events\.jsonl line 2: Invalid event: paylod: is not a known field/);
    expect(io.err).toContain("no event was added");
    expect(await redis.exists(stream)).toBe(0);
  });

  it("rejects a file with no event in it", async () => {
    writeFileSync(join(dir, "empty.jsonl"), "\n  \n");
    const io = recordingIO();
    const argv = ["--redis", server.url, "--file", join(dir, "empty.jsonl")];
    expect(await main(["enqueue", ...argv], io)).toBe(2);
    expect(io.err).toMatch(/empty\.jsonl holds no event \(one JSON event per line\)/);
  });

  it("exits 1 naming the file when it cannot be read", async () => {
    const io = recordingIO();
    const argv = ["--redis", server.url, "--file", join(dir, "missing.jsonl")];
    expect(await main(["enqueue", ...argv], io)).toBe(1);
    expect(io.err).toMatch(/cannot read .*missing\.jsonl: ENOENT/);
  });

  it("reads the events from standard input with --file -", async () => {
    const stream = `enqueue:${randomUUID()}`;
    const input = Array.from({ length: 3 }, (_, n) =>
      JSON.stringify({ event_type: "N", payload: { n } }),
    );
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/cli.ts",
        "enqueue",
        "--redis",
        server.url,
        "--stream",
        stream,
        "--file",
        "-",
      ],
      { cwd: ROOT, input: input.join("\n"), encoding: "utf8", timeout: 30_000 },
    );
    expect(result.status).toBe(0);
    const events = await entries(stream);
    expect(events.map((e) => e.payload)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    expect(result.stdout).toBe(events.map((e) => `${e.id}\n`).join(""));
  });
});
