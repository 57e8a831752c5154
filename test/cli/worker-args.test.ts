import { describe, expect, it } from "vitest";
import { parseWorkerArgs, WORKER_USAGE } from "../../src/cli/worker.js";
import { main } from "../../src/cli.js";
import { recordingIO } from "./io.js";

/** An in-process IO that records what the CLI prints. */
const BASE = [
  "--organs",
  "test/fixtures/organs/default-array.ts",
  "--redis",
  "redis://127.0.0.1:1",
];

describe("necrostack worker flags", () => {
  it("is listed in the CLI's help", async () => {
    const io = recordingIO();
    expect(await main(["--help"], io)).toBe(0);
    expect(io.out).toMatch(/worker .*Redis stream/);
  });

  it("maps every flag to its RedisBackend or Spine option, with maxSteps off", () => {
    const config = parseWorkerArgs(
      [
        ...BASE,
        ...[
          "--stream",
          "orders",
          "--group",
          "billing",
          "--consumer",
          "w-1",
          "--dlq",
          "orders:dead",
        ],
        ...[
          "--concurrency",
          "16",
          "--batch-size",
          "100",
          "--max-retries",
          "5",
          "--max-len",
          "1000",
        ],
        ...["--claim-min-idle-ms", "60000", "--claim-interval-ms", "5000"],
        ...["--command-timeout-ms", "2500", "--remove-idle-consumers-after-ms", "600000"],
        ...["--handler-failure-mode", "nack", "--handler-timeout-ms", "2000"],
        ...["--shutdown-timeout-ms", "3000"],
      ],
      {},
    );
    expect(config).toEqual({
      organsModule: "test/fixtures/organs/default-array.ts",
      redisUrl: "redis://127.0.0.1:1",
      backend: {
        redisUrl: "redis://127.0.0.1:1",
        streamKey: "orders",
        consumerGroup: "billing",
        consumerName: "w-1",
        dlqStream: "orders:dead",
        batchSize: 100,
        maxRetries: 5,
        claimMinIdleMs: 60_000,
        claimIntervalMs: 5_000,
        maxLen: 1_000,
        commandTimeoutMs: 2_500,
        removeIdleConsumersAfterMs: 600_000,
      },
      spine: {
        maxSteps: Number.POSITIVE_INFINITY,
        concurrency: 16,
        handlerFailureMode: "nack",
        handlerTimeoutMs: 2_000,
      },
      shutdownTimeoutMs: 3_000,
    });
  });

  it("leaves unset options to the backend's and the Spine's defaults", () => {
    expect(parseWorkerArgs(BASE, {})).toEqual({
      organsModule: "test/fixtures/organs/default-array.ts",
      redisUrl: "redis://127.0.0.1:1",
      backend: { redisUrl: "redis://127.0.0.1:1" },
      spine: { maxSteps: Number.POSITIVE_INFINITY },
      shutdownTimeoutMs: 10_000,
    });
  });

  it("takes the Redis URL from REDIS_URL when --redis is absent", () => {
    const config = parseWorkerArgs(["--organs", "x.js"], { REDIS_URL: "redis://cache:6380/2" });
    expect(config).toMatchObject({ backend: { redisUrl: "redis://cache:6380/2" } });
  });

  it.each([
    [["--redis", "redis://h"], /give the module that exports the organs with --organs/],
    [["--organs", "x.js"], /give the Redis server with --redis .* \(or set REDIS_URL\)/],
    [[...BASE, "--concurrency", "0"], /`--concurrency` to be an integer from 1 to 100000, got "0"/],
    [
      [...BASE, "--concurrency", "2.5"],
      /`--concurrency` to be an integer from 1 to 100000, got "2.5"/,
    ],
    [[...BASE, "--max-retries", "0"], /`--max-retries` to be an integer from 1 to 100000, got "0"/],
    [[...BASE, "--claim-min-idle-ms", "3000000000"], /`--claim-min-idle-ms` .* to 2147483647/],
    [[...BASE, "--handler-failure-mode", "retry"], /one of log, store, nack, got "retry"/],
    [[...BASE, "--stream", ""], /`--stream` to be a non-empty string/],
    [
      [...BASE, "--concurency", "2"],
      /Unknown option '--concurency'.* Did you mean "--concurrency"\?/,
    ],
    [[...BASE, "extra"], /Unexpected argument 'extra'/],
  ])("rejects %j, exiting 2 with a message naming the problem", async (argv, message) => {
    const io = recordingIO();
    expect(await main(["worker", ...argv], io)).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.err).toContain('Run "necrostack worker --help" for usage.');
    expect(io.out).toBe("");
  });

  it("shows the URL with its password masked when the scheme is wrong", async () => {
    const io = recordingIO();
    const argv = ["--organs", "x.js", "--redis", "http://user:hunter2@example.com"];
    expect(await main(["worker", ...argv], io)).toBe(2);
    expect(io.err).toContain("http://user:***@example.com");
    expect(io.err).not.toContain("hunter2");
  });

  it("exits 1 naming the module when the organs cannot be loaded", async () => {
    const io = recordingIO();
    const argv = ["--organs", "test/fixtures/organs/no-organs.ts", "--redis", "redis://h:1"];
    expect(await main(["worker", ...argv], io)).toBe(1);
    expect(io.err).toMatch(/Organs module test\/fixtures\/organs\/no-organs.ts: exports no organ/);
  });

  it("prints its usage for --help and exits 0", async () => {
    const io = recordingIO();
    expect(await main(["worker", "--help"], io)).toBe(0);
    expect(io.out).toBe(WORKER_USAGE);
    expect(WORKER_USAGE).toContain("--claim-min-idle-ms");
  });
});
