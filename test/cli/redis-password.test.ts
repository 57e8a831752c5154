/**
 * The Redis commands never print a Redis password, wherever the URL carries it (userinfo or a
 * `?password=` parameter, which ioredis also reads) and however malformed the URL is.
 * No Redis server is needed: nothing listens on port 1, so every connection is refused.
 */
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { ROOT, WorkerProcess } from "../fixtures/worker-process.js";
import { recordingIO } from "./io.js";

const SECRET = "hunter2";
const ORGANS = "test/fixtures/organs/default-array.ts";

/** URLs that do not parse, each with the reason printed in its place. */
const MALFORMED: readonly (readonly [string, RegExp])[] = [
  [`redis://u:pa ss${SECRET}@host:notaport`, /\(its port is not a number\)/],
  [`redis://u:${SECRET}@[bad`, /\(its IPv6 host has no closing "\]"\)/],
  [`redis://u:${SECRET}#x@host:6379`, /percent-encode "\/", "\?", "#" and "@" in a password/],
  [`redis://u:12/${SECRET}@host:6379`, /an ambiguous one/],
];

describe("necrostack worker never prints the Redis password", () => {
  afterEach(() => WorkerProcess.killAll());

  it("masks a ?password= parameter in its start line and its logs while Redis is unreachable", async () => {
    const worker = WorkerProcess.start({
      redisUrl: `redis://127.0.0.1:1?password=${SECRET}&db=0`,
      organs: ORGANS,
      args: ["--shutdown-timeout-ms", "3000"],
      env: { NECROSTACK_LOG_LEVEL: "debug" },
    });
    await worker.listening();
    expect(worker.stdout).toContain("at redis://127.0.0.1:1?password=***&db=0 with 2 organs");
    // The backend's outage warning names the server: wait for it, then stop.
    await worker.waitForStderr(
      /Lost the connection to Redis at redis:\/\/127\.0\.0\.1:1\?/,
      10_000,
    );
    worker.signal("SIGTERM");
    await worker.waitForExit(10_000);
    expect(worker.stderr).toContain("password=***");
    expect(worker.stdout + worker.stderr).not.toContain(SECRET);
  });

  it.each(MALFORMED)(
    "exits 2 for --redis %j, naming what is wrong without showing it",
    async (url, reason) => {
      const io = recordingIO();
      expect(await main(["worker", "--organs", ORGANS, "--redis", url], io)).toBe(2);
      expect(io.err).toMatch(/^necrostack worker: expected `--redis` to be a URL such as /);
      expect(io.err).toMatch(reason);
      expect(io.err).toContain("it is not shown, as it may hold a password");
      expect(io.out + io.err).not.toContain(SECRET);
    },
  );

  it("masks the password of a URL with the wrong scheme", async () => {
    const io = recordingIO();
    const argv = ["--organs", ORGANS, "--redis", `http://u:${SECRET}@example.com/?token=${SECRET}`];
    expect(await main(["worker", ...argv], io)).toBe(2);
    expect(io.err).toContain('got "http://u:***@example.com/?token=***"');
    expect(io.err).not.toContain(SECRET);
  });
});

describe("necrostack enqueue never prints the Redis password", () => {
  it.each(MALFORMED)(
    "exits 2 for --redis %j, naming what is wrong without showing it",
    async (url, reason) => {
      const io = recordingIO();
      expect(await main(["enqueue", "--redis", url, "--type", "JOB"], io)).toBe(2);
      expect(io.err).toMatch(reason);
      expect(io.out + io.err).not.toContain(SECRET);
    },
  );

  it("takes REDIS_URL through the same check", async () => {
    const io = recordingIO({ REDIS_URL: `redis://u:${SECRET}@host:notaport` });
    expect(await main(["enqueue", "--type", "JOB"], io)).toBe(2);
    expect(io.err).toMatch(/its port is not a number/);
    expect(io.err).not.toContain(SECRET);
  });

  it("masks a ?password= parameter when Redis does not answer", async () => {
    const io = recordingIO();
    const argv = ["--redis", `redis://127.0.0.1:1?password=${SECRET}`, "--type", "JOB"];
    expect(await main(["enqueue", ...argv, "--timeout-ms", "300"], io)).toBe(1);
    expect(io.err).toContain("at redis://127.0.0.1:1?password=***: ");
    expect(io.out + io.err).not.toContain(SECRET);
  });

  it("masks a password in any value a message quotes back", async () => {
    const io = recordingIO();
    const payload = `"redis://u:${SECRET}@cache:6379"`;
    const argv = ["--redis", "redis://cache:6379", "--type", "JOB", "--payload", payload];
    expect(await main(["enqueue", ...argv], io)).toBe(2);
    expect(io.err).toContain('got "redis://u:***@cache:6379" (string)');
    expect(io.err).not.toContain(SECRET);
  });

  it("prints nothing of a malformed URL as a process either", () => {
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/cli.ts",
        "enqueue",
        "--redis",
        `redis://u:${SECRET}@[bad`,
        "--type",
        "JOB",
      ],
      { cwd: ROOT, encoding: "utf8", timeout: 30_000 },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/its IPv6 host has no closing "\]"/);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
  });
});
