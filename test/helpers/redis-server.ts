/**
 * A private redis-server per test file: started on a free loopback port with no persistence
 * (unless asked), stoppable, killable and restartable on the same port, so tests can inject
 * faults. Tests never touch the machine's shared Redis.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";

/** Set by CI: a missing redis-server fails the Redis tests instead of skipping them. */
export const REDIS_REQUIRED = process.env.NECROSTACK_REQUIRE_REDIS === "1";

/** Whether a `redis-server` binary is on the PATH. */
export function redisServerInstalled(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * `describe` for suites that need redis-server. Without one they are skipped with a notice,
 * unless NECROSTACK_REQUIRE_REDIS=1, where the suite fails loudly.
 */
export const describeRedis: typeof describe = (() => {
  if (redisServerInstalled()) return describe;
  if (REDIS_REQUIRED) {
    throw new Error(
      "NECROSTACK_REQUIRE_REDIS=1 but redis-server is not installed (apt-get install redis-server)",
    );
  }
  console.warn("redis-server not found: skipping Redis tests (install it to run them)");
  return describe.skip as typeof describe;
})();

export interface RedisServerOptions {
  /** Persist with `--appendonly yes --appendfsync always`, so a restart keeps the data. */
  appendOnly?: boolean;
  /** Extra redis-server arguments. */
  args?: readonly string[];
}

/** One private redis-server process. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  #process: ChildProcess | undefined;
  readonly #options: RedisServerOptions;

  private constructor(port: number, dir: string, options: RedisServerOptions) {
    this.port = port;
    this.dir = dir;
    this.#options = options;
  }

  /**
   * Starts a server on a free loopback port and waits until it is ready. A port taken between
   * choosing it and binding it (another test's server, when many start at once) is retried on
   * a new one.
   */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    for (let attempt = 1; ; attempt++) {
      const server = new RedisServer(
        await freePort(),
        mkdtempSync(join(tmpdir(), "necrostack-redis-")),
        options,
      );
      try {
        await server.start();
        return server;
      } catch (error) {
        await server.dispose();
        if (attempt >= 3 || !String(error).includes("Address already in use")) throw error;
      }
    }
  }

  /** `redis://127.0.0.1:<port>` */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    const child = this.#process;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts the process again (after `stop` or `kill`) on the same port and directory. */
  async start(): Promise<void> {
    if (this.running) return;
    const args = [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--dir",
      this.dir,
      "--daemonize",
      "no",
      ...(this.#options.appendOnly
        ? ["--appendonly", "yes", "--appendfsync", "always"]
        : ["--appendonly", "no"]),
      ...(this.#options.args ?? []),
    ];
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk: Buffer): void => {
      // Only the start-up lines matter; a long-running server's log is not kept.
      if (output.length < 64 * 1024) output += chunk.toString();
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.#process = child;
    const deadline = Date.now() + 10_000;
    // Ready means this process said so and answers: a PING alone could be answered by another
    // server that took the port first (this one then fails to bind and exits).
    while (!output.includes("Ready to accept connections") || !(await ping(this.port))) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `redis-server exited with ${child.exitCode}: ${output.trim().slice(-2_000)}`,
        );
      }
      if (Date.now() > deadline) throw new Error("redis-server was not ready within 10 s");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops the server gracefully (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    await this.#signal("SIGTERM");
  }

  /** Kills the server at once (SIGKILL): no shutdown, no final write. */
  async kill(): Promise<void> {
    await this.#signal("SIGKILL");
  }

  /**
   * Freezes the server (SIGSTOP): its sockets stay open and accept writes, but nothing is
   * answered, as with a hung server or a network path that drops packets. `resume()` undoes it.
   */
  pause(): void {
    this.#process?.kill("SIGSTOP");
  }

  /** Lets a paused server run again (SIGCONT). */
  resume(): void {
    this.#process?.kill("SIGCONT");
  }

  /** Stops (gracefully, or with SIGKILL when `hard`) and starts again on the same port. */
  async restart(hard = false): Promise<void> {
    await (hard ? this.kill() : this.stop());
    await this.start();
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#process;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    await exited;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on("error", () => done(false));
    socket.on("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString();
      // A server started with --requirepass answers NOAUTH: it is up all the same.
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG") || reply.startsWith("-NOAUTH"));
    });
  });
}
