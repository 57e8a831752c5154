/**
 * A private PostgreSQL cluster per test file: `initdb` into a temp dir, started with `pg_ctl` on
 * a free loopback port (its unix socket in the same dir), stoppable, killable and restartable on
 * the same port, so tests can inject faults. Tests never touch the machine's own PostgreSQL.
 *
 * PostgreSQL refuses to run as root: as root, every binary runs through `runuser -u postgres`
 * and the temp dir is handed to that user.
 */
import { spawn, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe } from "vitest";

/**
 * A missing PostgreSQL fails the PostgreSQL tests instead of skipping them: set by
 * NECROSTACK_REQUIRE_POSTGRES=1, and by NECROSTACK_REQUIRE_REDIS=1, which CI sets for every
 * server the tests need.
 */
export const POSTGRES_REQUIRED =
  process.env.NECROSTACK_REQUIRE_POSTGRES === "1" || process.env.NECROSTACK_REQUIRE_REDIS === "1";

/** The user the server runs as when this process is root. */
const SERVER_USER = "postgres";

/**
 * The directory holding `initdb`, `pg_ctl` and `postgres`: the newest
 * `/usr/lib/postgresql/<version>/bin` (Debian's layout), else the one `pg_config --bindir`
 * names; undefined when neither has them.
 */
export function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((name) => /^\d+(\.\d+)?$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const version of versions) {
      const bin = join(root, version, "bin");
      if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))) return bin;
    }
  }
  const config = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  const bin = config.status === 0 ? config.stdout.trim() : "";
  return bin !== "" && existsSync(join(bin, "initdb")) ? bin : undefined;
}

const isRoot = process.getuid?.() === 0;

/** Whether the binaries are here, and, as root, the user to run them as. */
export function postgresInstalled(): boolean {
  if (postgresBinDir() === undefined) return false;
  return !isRoot || spawnSync("id", ["-u", SERVER_USER], { stdio: "ignore" }).status === 0;
}

/**
 * `describe` for suites that need PostgreSQL. Without it they are skipped with a notice, unless
 * {@link POSTGRES_REQUIRED}, where the suite fails loudly.
 */
export const describePostgres: typeof describe = (() => {
  if (postgresInstalled()) return describe;
  if (POSTGRES_REQUIRED) {
    throw new Error(
      "NECROSTACK_REQUIRE_POSTGRES=1 or NECROSTACK_REQUIRE_REDIS=1 but PostgreSQL's initdb/pg_ctl were not found (apt-get install postgresql)",
    );
  }
  console.warn(
    "PostgreSQL (initdb, pg_ctl) not found: skipping PostgreSQL tests (install it to run them)",
  );
  return describe.skip as typeof describe;
})();

export interface PostgresServerOptions {
  /** Keep `fsync` on (off by default, for speed): for a test of durability across a crash. */
  fsync?: boolean;
  /** Extra `name=value` settings for postgresql.conf. */
  settings?: Readonly<Record<string, string | number>>;
}

/** One private PostgreSQL cluster. */
export class PostgresServer {
  readonly port: number;
  /** The temp dir: `data/` (the cluster), the unix socket, and `server.log`. */
  readonly dir: string;
  readonly #bin: string;

  private constructor(port: number, dir: string, bin: string) {
    this.port = port;
    this.dir = dir;
    this.#bin = bin;
  }

  /**
   * Creates a cluster in a new temp dir, starts it on a free loopback port, waits until it
   * accepts connections. A port taken between choosing it and binding it (another test's server,
   * when many start at once) is retried on a new one.
   */
  static async start(options: PostgresServerOptions = {}): Promise<PostgresServer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await PostgresServer.#startOnce(options);
      } catch (error) {
        if (attempt >= 3 || !String(error).includes("Address already in use")) throw error;
      }
    }
  }

  static async #startOnce(options: PostgresServerOptions): Promise<PostgresServer> {
    const bin = postgresBinDir();
    if (bin === undefined) throw new Error("PostgreSQL's initdb was not found");
    const dir = mkdtempSync(join(tmpdir(), "necrostack-pg-"));
    const server = new PostgresServer(await freePort(), dir, bin);
    try {
      if (isRoot) {
        const uid = Number(run("id", ["-u", SERVER_USER]));
        const gid = Number(run("id", ["-g", SERVER_USER]));
        chownSync(dir, uid, gid);
      }
      await server.#run("initdb", [
        "-D",
        server.#data,
        "-U",
        "postgres",
        "--auth=trust",
        "--encoding=UTF8",
        "--no-sync",
        "--no-instructions",
      ]);
      const settings: Record<string, string | number> = {
        port: server.port,
        listen_addresses: "'127.0.0.1'",
        unix_socket_directories: `'${dir}'`,
        fsync: options.fsync === true ? "on" : "off",
        synchronous_commit: options.fsync === true ? "on" : "off",
        full_page_writes: options.fsync === true ? "on" : "off",
        max_connections: 100,
        ...options.settings,
      };
      const conf = Object.entries(settings)
        .map(([name, value]) => `${name} = ${value}`)
        .join("\n");
      // Appended as the server user: the data dir is theirs, and postgres wants it mode 0700.
      await server.#run(
        "sh",
        ["-c", `printf '%s\\n' "$1" >> "$2"`, "sh", conf, join(server.#data, "postgresql.conf")],
        true,
      );
      await server.start();
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get #data(): string {
    return join(this.dir, "data");
  }

  /** The postmaster's pid, from `postmaster.pid`; undefined when it is not running. */
  get pid(): number | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.#data, "postmaster.pid"), "utf8");
    } catch {
      return undefined;
    }
    const pid = Number(text.split("\n")[0]);
    return Number.isSafeInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  }

  get running(): boolean {
    return this.pid !== undefined;
  }

  /** Starts the server (after `stop` or `kill`) on the same port and data, waiting until it accepts connections. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.#run("pg_ctl", [
      "start",
      "-w",
      "-t",
      "30",
      "-D",
      this.#data,
      "-l",
      join(this.dir, "server.log"),
    ]);
  }

  /** Stops the server with a fast shutdown (sessions are ended, their transactions rolled back). */
  async stop(): Promise<void> {
    if (!this.running) return;
    await this.#run("pg_ctl", ["stop", "-w", "-t", "30", "-m", "fast", "-D", this.#data]);
  }

  /**
   * Kills the postmaster and every backend at once (SIGKILL): no shutdown, no checkpoint; the
   * next start recovers from the WAL.
   */
  async kill(): Promise<void> {
    const pid = this.pid;
    if (pid === undefined) return;
    // Its children first noticed, then gone: a backend left alive would keep the shared memory
    // the next postmaster refuses to share.
    const children = run("pgrep", ["-P", String(pid)], true)
      .split("\n")
      .map(Number)
      .filter((child) => child > 0);
    for (const target of [pid, ...children]) {
      try {
        process.kill(target, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    const deadline = Date.now() + 10_000;
    while ([pid, ...children].some(alive)) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL ${pid} did not die within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Where pid 1 does not reap, the killed postmaster stays a zombie that kill(0) still finds:
    // the next start would take its lock files for a live server's.
    rmSync(join(this.#data, "postmaster.pid"), { force: true });
    rmSync(join(this.dir, `.s.PGSQL.${this.port}.lock`), { force: true });
    rmSync(join(this.dir, `.s.PGSQL.${this.port}`), { force: true });
  }

  /** Stops (gracefully, or with SIGKILL when `hard`) and starts again on the same port. */
  async restart(hard = false): Promise<void> {
    await (hard ? this.kill() : this.stop());
    await this.start();
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    try {
      await this.stop();
    } catch {
      await this.kill();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs a PostgreSQL binary (or `command` as is, when `plain`) as the server user; rejects with its output on failure. */
  #run(command: string, args: readonly string[], plain = false): Promise<void> {
    const file = plain ? command : join(this.#bin, command);
    const [exe, argv] = isRoot
      ? ["runuser", ["-u", SERVER_USER, "--", file, ...args]]
      : [file, [...args]];
    return new Promise((resolve, reject) => {
      const child = spawn(exe, argv, { stdio: ["ignore", "pipe", "pipe"], cwd: this.dir });
      let output = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.on("error", reject);
      child.on("exit", (code) => {
        if (code === 0) resolve();
        else
          reject(
            new Error(
              `${command} ${args.join(" ")} exited with ${code}: ${output.trim()}${this.#logTail()}`,
            ),
          );
      });
    });
  }

  #logTail(): string {
    try {
      const log = readFileSync(join(this.dir, "server.log"), "utf8").trim().split("\n");
      return `\nserver.log:\n${log.slice(-10).join("\n")}`;
    } catch {
      return "";
    }
  }
}

function run(command: string, args: readonly string[], allowFailure = false): string {
  const result = spawnSync(command, args, { encoding: "utf8" });
  if (result.status !== 0 && !allowFailure) {
    throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
  }
  return result.stdout ?? "";
}

function alive(pid: number): boolean {
  try {
    // A zombie (killed, not yet reaped by a container's pid 1) is dead all the same.
    if (readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z")) return false;
  } catch {
    // No /proc entry: gone, or not Linux; ask kill(0).
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
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
