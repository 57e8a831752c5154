import { describe, expect, it } from "vitest";
import { parseEnqueueArgs } from "../../src/cli/enqueue.js";
import { parseWorkerArgs } from "../../src/cli/worker.js";
import { main } from "../../src/cli.js";
import { recordingIO } from "./io.js";

const ORGANS = ["--organs", "test/fixtures/organs/default-array.ts"];
const PG = "postgres://app:hunter2@db:5432/app";

describe("necrostack worker --backend", () => {
  it("maps the generic flags and the PostgreSQL ones to PostgresBackend's options for postgres://", () => {
    const config = parseWorkerArgs(
      [
        ...ORGANS,
        ...["--backend", PG, "--stream", "orders", "--consumer", "w-1"],
        ...["--concurrency", "16", "--batch-size", "32", "--max-retries", "5"],
        ...["--schema", "jobs", "--lease-ms", "5000", "--poll-interval-ms", "250"],
        ...["--retention-ms", "86400000", "--no-migrate"],
        ...["--handler-failure-mode", "nack", "--max-hops", "7", "--shutdown-timeout-ms", "3000"],
      ],
      {},
    );
    expect(config).toEqual({
      organsModule: "test/fixtures/organs/default-array.ts",
      postgresUrl: PG,
      backend: {
        url: PG,
        stream: "orders",
        schema: "jobs",
        consumerName: "w-1",
        batchSize: 32,
        maxRetries: 5,
        leaseMs: 5_000,
        pollIntervalMs: 250,
        retentionMs: 86_400_000,
        migrate: false,
      },
      spine: {
        maxSteps: Number.POSITIVE_INFINITY,
        maxHops: 7,
        concurrency: 16,
        handlerFailureMode: "nack",
      },
      shutdownTimeoutMs: 3_000,
    });
  });

  it("takes postgresql:// and upper-case schemes too", () => {
    for (const url of ["postgresql://db/app", "POSTGRES://db/app"]) {
      expect(parseWorkerArgs([...ORGANS, "--backend", url], {})).toMatchObject({
        postgresUrl: url,
        backend: { url },
      });
    }
  });

  it("gives the same config for --backend redis:// as for --redis", () => {
    const flags = ["--stream", "s", "--group", "g", "--claim-min-idle-ms", "1000"];
    for (const url of ["redis://cache:6379/1", "rediss://cache:6380"]) {
      expect(parseWorkerArgs([...ORGANS, "--backend", url, ...flags], {})).toEqual(
        parseWorkerArgs([...ORGANS, "--redis", url, ...flags], {}),
      );
    }
  });

  it("takes the URL from NECROSTACK_BACKEND_URL before REDIS_URL, and flags before both", () => {
    const env = { NECROSTACK_BACKEND_URL: "postgres://db/app", REDIS_URL: "redis://cache:6379" };
    expect(parseWorkerArgs(ORGANS, env)).toMatchObject({ postgresUrl: "postgres://db/app" });
    expect(parseWorkerArgs(ORGANS, { REDIS_URL: "redis://cache:6379" })).toMatchObject({
      redisUrl: "redis://cache:6379",
    });
    expect(parseWorkerArgs([...ORGANS, "--redis", "redis://other:1"], env)).toMatchObject({
      redisUrl: "redis://other:1",
    });
    expect(parseWorkerArgs([...ORGANS, "--backend", "redis://other:1"], env)).toMatchObject({
      redisUrl: "redis://other:1",
    });
  });

  it.each([
    [
      ["--backend", PG, "--group", "g"],
      /`?--group applies only to Redis, and the backend is PostgreSQL; remove it/,
    ],
    [
      ["--backend", PG, "--dlq", "d", "--max-len", "9"],
      /--dlq, --max-len apply only to Redis, and the backend is PostgreSQL; remove them/,
    ],
    [
      ["--backend", "redis://cache:6379", "--lease-ms", "5000"],
      /--lease-ms applies only to PostgreSQL, and the backend is Redis; remove it/,
    ],
    [
      ["--backend", "redis://cache:6379", "--retention-ms", "1000", "--no-migrate"],
      /--retention-ms, --no-migrate apply only to PostgreSQL, and the backend is Redis; remove them/,
    ],
    [["--redis", "redis://cache:6379", "--schema", "s"], /--schema applies only to PostgreSQL/],
    [
      ["--backend", PG, "--redis", "redis://cache:6379"],
      /with --backend or with --redis, not both/,
    ],
    [["--backend", PG, "--lease-ms", "50"], /`--lease-ms` to be an integer from 100 to/],
    [[], /give the backend with --backend URL, such as postgres:\/\/host:5432\/db/],
  ])("rejects %j, exiting 2 with a message naming the problem", async (argv, message) => {
    const io = recordingIO();
    expect(await main(["worker", ...ORGANS, ...argv], io)).toBe(2);
    expect(io.err).toMatch(message);
    expect(io.err).toContain('Run "necrostack worker --help" for usage.');
    expect(io.out).toBe("");
  });

  it("names the scheme it was given, password masked, when it is neither Redis nor PostgreSQL", async () => {
    const io = recordingIO();
    const argv = [...ORGANS, "--backend", "mysql://root:hunter2@db/app"];
    expect(await main(["worker", ...argv], io)).toBe(2);
    expect(io.err).toContain(
      'expected `--backend` to be a redis://, rediss://, postgres:// or postgresql:// URL, got "mysql://root:***@db/app"',
    );
    expect(io.err).not.toContain("hunter2");
  });

  it("names NECROSTACK_BACKEND_URL when the URL it holds is wrong, without showing a malformed one", async () => {
    const io = recordingIO({ NECROSTACK_BACKEND_URL: "postgres://u:hunter2@db:notaport/app" });
    expect(await main(["worker", ...ORGANS], io)).toBe(2);
    expect(io.err).toMatch(/expected \$NECROSTACK_BACKEND_URL to be a URL such as .*not shown/);
    expect(io.err).not.toContain("hunter2");
  });

  it("refuses a stream name PostgreSQL cannot take, naming the option", async () => {
    const io = recordingIO();
    const argv = [...ORGANS, "--backend", PG, "--stream", "necrostack:events"];
    expect(await main(["worker", ...argv], io)).toBe(2);
    expect(io.err).toMatch(/`stream`.*lower-case identifier.*necrostack:events/);
  });
});

describe("necrostack enqueue --backend", () => {
  it("maps --stream and --schema to PostgresBackend's options for postgres://", () => {
    const config = parseEnqueueArgs(
      ["--backend", PG, "--stream", "orders", "--schema", "jobs", "--type", "JOB"],
      {},
    );
    expect(config).toMatchObject({
      postgresUrl: PG,
      backend: { url: PG, stream: "orders", schema: "jobs" },
      timeoutMs: 5_000,
    });
  });

  it("gives the same config for --backend redis:// as for --redis", () => {
    const rest = [
      "--stream",
      "s",
      "--max-len",
      "10",
      "--id",
      "0b5f3c4e-8a41-4d2b-9c55-3e0a8a4f0b1c",
    ];
    expect(parseEnqueueArgs(["--backend", "redis://h:1", "--type", "J", ...rest], {})).toEqual(
      parseEnqueueArgs(["--redis", "redis://h:1", "--type", "J", ...rest], {}),
    );
  });

  it("refuses --max-len for PostgreSQL and --schema for Redis, naming the flag", async () => {
    const pgIO = recordingIO();
    expect(await main(["enqueue", "--backend", PG, "--type", "J", "--max-len", "5"], pgIO)).toBe(2);
    expect(pgIO.err).toMatch(/--max-len applies only to Redis, and the backend is PostgreSQL/);
    const redisIO = recordingIO();
    const argv = ["enqueue", "--backend", "redis://h:1", "--type", "J", "--schema", "s"];
    expect(await main(argv, redisIO)).toBe(2);
    expect(redisIO.err).toMatch(/--schema applies only to PostgreSQL, and the backend is Redis/);
  });

  it("exits 1 within --timeout-ms when PostgreSQL does not answer, naming it with the password masked", async () => {
    const io = recordingIO();
    const argv = ["--backend", "postgres://u:hunter2@127.0.0.1:1/app", "--type", "JOB"];
    expect(await main(["enqueue", ...argv, "--timeout-ms", "2000"], io)).toBe(1);
    expect(io.err).toContain(
      "could not add the event to stream events at postgres://u:***@127.0.0.1:1/app",
    );
    expect(io.out + io.err).not.toContain("hunter2");
  });
});
