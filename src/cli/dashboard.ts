/**
 * `necrostack dashboard`: serves the web dashboard (necrostack/dashboard) over a Redis or
 * PostgreSQL backend, chosen by the scheme of `--backend`, until SIGTERM or SIGINT. Safe by
 * default: bound to 127.0.0.1, read-only, answering only loopback Host names there.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { messageOf, NecroStackError } from "../core/errors.js";
import type { StreamInspector } from "../core/inspect/inspector.js";
import { maskUrl } from "../utils/redact.js";
import { backendUrlFlag } from "./backend-url.js";
import type { CliIO } from "./command.js";
import { type FlagSpec, integerFlag, parseFlags, stringFlag } from "./flags.js";
import { handleStopSignals } from "./stop-signals.js";
import { UsageError } from "./usage-error.js";

export const DASHBOARD_USAGE = `Usage: necrostack dashboard --backend URL [--stream NAME ...] [options]

Serves a web dashboard of the backend's streams: consumer groups, pending entries and lag, dead
letters (requeue and delete with --allow-writes), events (browse, search by payload, causation
tree) and live rates. Runs until SIGTERM or SIGINT.

Options:
  --backend URL        redis://[user:password@]host:port[/db], rediss://, or
                       postgres://[user:password@]host:port/db (or postgresql://)
                       (default: $NECROSTACK_BACKEND_URL, else $REDIS_URL)
  --redis URL          the same as --backend, for Redis URLs only
  --stream NAME        show only this stream (repeat for more; default: every stream found,
                       at most 100)
  --port PORT          port to listen on (default: 7777; 0 picks a free one)
  --host HOST          address to bind (default: 127.0.0.1; the dashboard then answers only
                       to the Host names localhost, 127.0.0.1 and [::1])
  --allow-writes       allow requeueing and deleting dead letters (default: read-only)
  --token TOKEN        every request needs it: the login form sets a cookie, the API takes
                       Authorization: Bearer TOKEN (default: $NECROSTACK_DASHBOARD_TOKEN,
                       else none; prefer the variable, which stays out of the process list)
  --metrics-url URL    a worker's /metrics endpoint, shown as a link
  --health-url URL     a worker's health endpoint, shown as a link
  --schema NAME        PostgreSQL only: the schema holding the tables (default: necrostack)
  --timeout-ms MS      how long a request may wait on the backend before it answers 503
                       (default: 30000)
  -h, --help           show this help

Exit codes: 0 stopped by a signal, 1 the port could not be opened, 2 bad flags.
`;

const FLAGS: FlagSpec = {
  backend: { type: "string" },
  redis: { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  "allow-writes": { type: "boolean" },
  token: { type: "string" },
  "metrics-url": { type: "string" },
  "health-url": { type: "string" },
  schema: { type: "string" },
  "timeout-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
};

const COMMAND = "dashboard";
const HELP = "necrostack dashboard --help";
const LOOPBACK_ADDRESSES = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

/** What `dashboard` was asked to serve. */
export interface DashboardConfig {
  readonly kind: "redis" | "postgres";
  readonly url: string;
  readonly streams: readonly string[] | undefined;
  readonly host: string;
  readonly port: number;
  readonly allowWrites: boolean;
  readonly token: string | undefined;
  readonly endpoints: { metrics?: string; health?: string };
  readonly schema: string | undefined;
  readonly timeoutMs: number;
}

/** Parses the flags. Returns `"help"` for --help; throws `UsageError` for bad flags. */
export function parseDashboardArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): DashboardConfig | "help" {
  // --stream repeats: taken out here, since the flag parser keeps only the last of a flag.
  const streams: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--stream") {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--") || value.trim() === "") {
        throw new UsageError("necrostack dashboard: `--stream` needs a stream name", HELP);
      }
      streams.push(value);
      i++;
    } else if (arg.startsWith("--stream=")) {
      const value = arg.slice("--stream=".length);
      if (value.trim() === "")
        throw new UsageError("necrostack dashboard: `--stream` needs a stream name", HELP);
      streams.push(value);
    } else {
      rest.push(arg);
    }
  }
  const values = parseFlags(COMMAND, rest, FLAGS);
  if (values.help === true) return "help";
  const { kind, url } = backendUrlFlag(COMMAND, values, env);
  const schema = stringFlag(COMMAND, values, "schema");
  if (schema !== undefined && kind !== "postgres") {
    throw new UsageError(
      "necrostack dashboard: --schema applies only to PostgreSQL, and the backend is Redis; remove it",
      HELP,
    );
  }
  const endpoints: { metrics?: string; health?: string } = {};
  for (const [flag, key] of [
    ["metrics-url", "metrics"],
    ["health-url", "health"],
  ] as const) {
    const link = stringFlag(COMMAND, values, flag);
    if (link === undefined) continue;
    if (!/^https?:\/\//i.test(link)) {
      throw new UsageError(
        `necrostack dashboard: expected \`--${flag}\` to be an http:// or https:// URL, got ${JSON.stringify(maskUrl(link))}`,
        HELP,
      );
    }
    endpoints[key] = link;
  }
  const token =
    stringFlag(COMMAND, values, "token") ?? (env.NECROSTACK_DASHBOARD_TOKEN || undefined);
  if (token !== undefined && token.length < 8) {
    throw new UsageError(
      "necrostack dashboard: the token must be at least 8 characters long",
      HELP,
    );
  }
  return {
    kind,
    url,
    streams: streams.length > 0 ? streams : undefined,
    host: stringFlag(COMMAND, values, "host") ?? "127.0.0.1",
    port: integerFlag(COMMAND, values, "port", 0, 65_535) ?? 7777,
    allowWrites: values["allow-writes"] === true,
    token,
    endpoints,
    schema,
    timeoutMs: integerFlag(COMMAND, values, "timeout-ms", 1, 2_147_483_647) ?? 30_000,
  };
}

/** A dashboard serving, and how to stop it. */
export interface RunningDashboard {
  /** `http://host:port/` as bound. */
  readonly url: string;
  close(): Promise<void>;
}

/** Opens the inspector and serves the dashboard; resolves once listening. */
export async function startDashboard(
  config: DashboardConfig,
  io: CliIO,
): Promise<RunningDashboard> {
  const inspector = await openInspector(config);
  let createDashboard: typeof import("../dashboard.js").createDashboard;
  try {
    ({ createDashboard } = await import("../dashboard.js"));
  } catch (error) {
    await inspector.close();
    throw new UsageError(
      `necrostack dashboard needs the packages hono and @hono/node-server: install them with \`npm install hono @hono/node-server\` (${(error as Error).message})`,
      HELP,
      { cause: error },
    );
  }
  const loopback = LOOPBACK_ADDRESSES.has(config.host);
  const dashboard = createDashboard({
    inspector,
    ...(config.streams !== undefined ? { streams: config.streams } : {}),
    ...(config.token !== undefined ? { token: config.token } : {}),
    allowWrites: config.allowWrites,
    endpoints: config.endpoints,
    requestTimeoutMs: config.timeoutMs,
    // On loopback, answer only loopback names: a page elsewhere cannot reach it by DNS rebinding.
    ...(loopback ? { allowedHosts: ["localhost", "127.0.0.1", "[::1]"] } : {}),
  });
  const server = createServer(dashboard.listener);
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    await dashboard.close();
    await inspector.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const host =
    config.host.includes(":") && !config.host.startsWith("[") ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/`;
  const mode = config.allowWrites ? "writes allowed" : "read-only";
  const auth = config.token !== undefined ? "token required" : "no token";
  io.stderr(
    `NecroStack dashboard on ${url} (${inspector.kind} at ${inspector.target}; ${mode}; ${auth})\n`,
  );
  if (!loopback && config.token === undefined) {
    io.stderr(
      `Warning: bound to ${config.host} without a token: anyone who can reach this port can read the backend's events. Set NECROSTACK_DASHBOARD_TOKEN.\n`,
    );
  }
  return {
    url,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await dashboard.close();
      await inspector.close();
    },
  };
}

/** Runs `necrostack dashboard` until SIGTERM or SIGINT. */
export async function runDashboard(argv: readonly string[], io: CliIO): Promise<number> {
  const config = parseDashboardArgs(argv, io.env);
  if (config === "help") {
    io.stdout(DASHBOARD_USAGE);
    return 0;
  }
  const running = await startDashboard(config, io);
  await new Promise<void>((resolve) => {
    const signals = handleStopSignals({
      onStop: () => {
        running.close().finally(() => {
          signals[Symbol.dispose]();
          resolve();
        });
      },
      onForce: (reason, exitCode) => {
        io.stderr(`necrostack dashboard: ${reason}; exiting\n`);
        process.exit(exitCode);
      },
      timeoutMs: 10_000,
    });
  });
  return 0;
}

async function openInspector(config: DashboardConfig): Promise<StreamInspector> {
  const streams = config.streams !== undefined ? { streams: config.streams } : {};
  if (config.kind === "postgres") {
    const { PostgresInspector } = await import("../backends/postgres/inspector.js");
    return new PostgresInspector({
      url: config.url,
      ...streams,
      ...(config.schema !== undefined ? { schema: config.schema } : {}),
    });
  }
  const { RedisInspector } = await import("../backends/redis/inspector.js");
  return new RedisInspector({ redisUrl: config.url, ...streams });
}

/** The dashboard's port could not be opened (in use, not allowed, no such address). */
export class DashboardListenError extends NecroStackError {
  constructor(host: string, port: number, cause: unknown) {
    const code = (cause as { code?: unknown }).code;
    const why =
      code === "EADDRINUSE" ? "the address is in use (pick another --port)" : messageOf(cause);
    super(`the dashboard cannot listen on ${host}:${port}: ${why}`, "ERR_DASHBOARD_LISTEN", {
      cause,
    });
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (error) => reject(new DashboardListenError(host, port, error)));
    server.listen(port, host, () => {
      server.removeAllListeners("error");
      resolve();
    });
  });
}
