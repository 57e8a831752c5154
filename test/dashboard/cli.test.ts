/**
 * `necrostack dashboard`: its flags, and the command serving over real HTTP on a private Redis,
 * in process and as a process stopped by SIGTERM.
 */
import { spawn } from "node:child_process";
import { request } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { parseDashboardArgs, startDashboard } from "../../src/cli/dashboard.js";
import { recordingIO } from "../cli/io.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;

describe("necrostack dashboard flags", () => {
  it("defaults to 127.0.0.1:7777, read-only, no token", () => {
    expect(parseDashboardArgs(["--backend", "redis://localhost:6390"], {})).toMatchObject({
      kind: "redis",
      host: "127.0.0.1",
      port: 7777,
      allowWrites: false,
      token: undefined,
      streams: undefined,
    });
  });

  it("takes --stream more than once, and the token from the environment", () => {
    const config = parseDashboardArgs(
      [
        "--backend",
        "postgres://h/db",
        "--stream",
        "a",
        "--stream=b",
        "--allow-writes",
        "--schema",
        "s",
      ],
      { NECROSTACK_DASHBOARD_TOKEN: "from-the-env" },
    );
    expect(config).toMatchObject({
      kind: "postgres",
      streams: ["a", "b"],
      allowWrites: true,
      token: "from-the-env",
      schema: "s",
    });
  });

  it("refuses bad flags by name", () => {
    const env = {};
    expect(() => parseDashboardArgs([], env)).toThrow(/give the backend with --backend/);
    expect(() => parseDashboardArgs(["--backend", "mysql://h"], env)).toThrow(
      /redis:\/\/, rediss:\/\/, postgres:\/\//,
    );
    expect(() => parseDashboardArgs(["--backend", "redis://h", "--port", "70000"], env)).toThrow(
      /--port/,
    );
    expect(() => parseDashboardArgs(["--backend", "redis://h", "--schema", "s"], env)).toThrow(
      /--schema applies only to PostgreSQL/,
    );
    expect(() => parseDashboardArgs(["--backend", "redis://h", "--stream"], env)).toThrow(
      /--stream/,
    );
    expect(() => parseDashboardArgs(["--backend", "redis://h", "--token", "short"], env)).toThrow(
      /at least 8/,
    );
    expect(() =>
      parseDashboardArgs(["--backend", "redis://h", "--metrics-url", "ftp://x"], env),
    ).toThrow(/--metrics-url/);
  });

  it("never echoes a password in its messages", () => {
    let message = "";
    try {
      parseDashboardArgs(
        ["--backend", "redis://:pa55word@h", "--metrics-url", "ftp://u:pa55word@x"],
        {},
      );
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/--metrics-url/);
    expect(message).not.toContain("pa55word");
  });
});

/** GET over real HTTP with a chosen Host header. */
function get(url: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { headers: host === undefined ? {} : { host } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

describeRedis("necrostack dashboard serving", () => {
  const redis = usePrivateRedis();

  it("serves the API on 127.0.0.1 and answers only loopback Host names there", async () => {
    const io = recordingIO();
    const config = parseDashboardArgs(
      ["--backend", redis.server.url, "--port", "0", "--stream", "s1"],
      {},
    );
    if (config === "help") throw new Error("unexpected help");
    const running = await startDashboard(config, io);
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(io.err).toMatch(
        /NecroStack dashboard on http:\/\/127\.0\.0\.1:\d+\/ \(redis at redis:\/\/127\.0\.0\.1:\d+; read-only; no token\)/,
      );
      const session = await get(`${running.url}api/session`);
      expect(session.status).toBe(200);
      expect(JSON.parse(session.body)).toMatchObject({ writes: false });
      const overview = JSON.parse((await get(`${running.url}api/overview`)).body) as {
        streams: { name: string }[];
      };
      expect(overview.streams.map((s) => s.name)).toEqual(["s1"]);
      expect((await get(`${running.url}api/session`, "attacker.example")).status).toBe(403);
      expect((await get(`${running.url}api/session`, "localhost:7777")).status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it("fails with a clear error, and closes what it opened, when the port is in use", async () => {
    const io = recordingIO();
    const config = parseDashboardArgs(["--backend", redis.server.url, "--port", "0"], {});
    if (config === "help") throw new Error("unexpected help");
    const first = await startDashboard(config, io);
    try {
      const port = Number(new URL(first.url).port);
      const second = parseDashboardArgs(
        ["--backend", redis.server.url, "--port", String(port)],
        {},
      );
      if (second === "help") throw new Error("unexpected help");
      await expect(startDashboard(second, io)).rejects.toThrow(
        new RegExp(`the dashboard cannot listen on 127\\.0\\.0\\.1:${port}: the address is in use`),
      );
    } finally {
      await first.close();
    }
  });

  it("runs as a process until SIGTERM, then exits 0", { timeout: 30_000 }, async () => {
    const child = spawn(
      process.execPath,
      [
        "--import",
        TSX,
        join(ROOT, "src/cli.ts"),
        "dashboard",
        "--backend",
        redis.server.url,
        "--port",
        "0",
      ],
      { env: { PATH: process.env.PATH }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    const url = await new Promise<string>((done, fail) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /on (http:\/\/\S+\/)/.exec(stderr);
        if (match?.[1] !== undefined) done(match[1]);
      });
      child.once("exit", (code) => fail(new Error(`exited ${code}: ${stderr}`)));
    });
    expect((await get(`${url}api/health`)).status).toBe(200);
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
