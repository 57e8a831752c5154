/**
 * The backend a command runs on, chosen by the scheme of its URL: `--backend URL` (or
 * `$NECROSTACK_BACKEND_URL`), with `--redis URL` (or `$REDIS_URL`) kept as the Redis alias.
 * This module maps the commands' generic flags to each backend's options, refuses the flags of
 * the other backend by name, and imports the backend's entry only once it is chosen, so Redis
 * users never load `pg` and PostgreSQL users never load `ioredis`.
 */
import type { Backend } from "../core/backend.js";
import type { Logger } from "../core/logging.js";
import type { SchemaRegistryStore } from "../core/registry/store.js";
import type { PostgresBackendOptions } from "../postgres.js";
import type { RedisBackendOptions } from "../redis.js";
import { inspectUrl, maskUrl } from "../utils/redact.js";
import { type FlagValues, integerFlag, stringFlag } from "./flags.js";
import { redisUrlFlag } from "./redis-url-flag.js";
import { UsageError } from "./usage-error.js";

/** The backends a URL can name. */
export type BackendKind = "redis" | "postgres";

/** A command's backend: Redis options under `redisUrl`, PostgreSQL ones under `postgresUrl`. */
export type BackendConfig =
  | { readonly redisUrl: string; readonly backend: RedisBackendOptions }
  | { readonly postgresUrl: string; readonly backend: PostgresBackendOptions };

/** A backend opened from a {@link BackendConfig}, with what the commands print about it. */
export interface OpenedBackend {
  readonly kind: BackendKind;
  readonly backend: Backend & Required<Pick<Backend, "close">>;
  readonly consumerName: string;
  /** The stream's name as its backend spells it (a Redis key, a PostgreSQL table). */
  readonly stream: string;
  /** Where in the server the stream is read from: `group g` (Redis), `schema s` (PostgreSQL). */
  readonly scope: string;
  /** The server's URL with its password masked. */
  readonly target: string;
  /** The server's name in messages: `Redis` or `PostgreSQL`. */
  readonly serverName: string;
  /** The stream's schema registry (the backend's store, closed with it), and where it is. */
  readonly registry: { readonly store: SchemaRegistryStore; readonly where: string };
}

/** The flag of each backend option a command takes; a flag absent here applies to both. */
export interface BackendOnlyFlags {
  readonly redis: readonly string[];
  readonly postgres: readonly string[];
}

const SCHEMES: Readonly<Record<string, BackendKind>> = {
  "redis:": "redis",
  "rediss:": "redis",
  "postgres:": "postgres",
  "postgresql:": "postgres",
};
const SERVER_NAMES: Readonly<Record<BackendKind, string>> = {
  redis: "Redis",
  postgres: "PostgreSQL",
};
const ENV_NAME = "NECROSTACK_BACKEND_URL";
/** Timers cannot wait longer than 2^31-1 ms. */
const MAX_MS = 2_147_483_647;
const MAX_COUNT = 100_000;

/**
 * The backend's URL and kind from `--backend`, else `--redis`, else `$NECROSTACK_BACKEND_URL`,
 * else `$REDIS_URL`: flags before the environment. Messages show a URL with its password
 * masked, and a URL that does not parse not at all.
 */
export function backendUrlFlag(
  command: string,
  values: FlagValues,
  env: NodeJS.ProcessEnv,
): { readonly kind: BackendKind; readonly url: string } {
  const help = `necrostack ${command} --help`;
  const backend = stringFlag(command, values, "backend");
  if (backend !== undefined && values.redis !== undefined) {
    throw new UsageError(
      `necrostack ${command}: give the backend with --backend or with --redis, not both`,
      help,
    );
  }
  const fromEnv = env[ENV_NAME] || undefined;
  if (backend === undefined && values.redis === undefined && fromEnv !== undefined) {
    return { kind: kindOf(command, fromEnv, `$${ENV_NAME}`), url: fromEnv };
  }
  if (backend !== undefined) return { kind: kindOf(command, backend, "--backend"), url: backend };
  if (values.redis === undefined && !env.REDIS_URL) {
    throw new UsageError(
      `necrostack ${command}: give the backend with --backend URL, such as postgres://host:5432/db (or set ${ENV_NAME}), or give the Redis server with --redis redis://host:6379 (or set REDIS_URL)`,
      help,
    );
  }
  // --redis and REDIS_URL keep their own checks and messages.
  return { kind: "redis", url: redisUrlFlag(command, values, env) };
}

function kindOf(command: string, url: string, source: string): BackendKind {
  const help = `necrostack ${command} --help`;
  const what = source.startsWith("$") ? source : `\`${source}\``;
  const inspected = inspectUrl(url);
  if (!("shown" in inspected)) {
    throw new UsageError(
      `necrostack ${command}: expected ${what} to be a URL such as redis://host:6379 or postgres://host:5432/db, got an ${inspected.kind} one (${inspected.reason}); it is not shown, as it may hold a password`,
      help,
    );
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase() ?? "";
  const kind = SCHEMES[scheme];
  if (kind === undefined) {
    throw new UsageError(
      `necrostack ${command}: expected ${what} to be a redis://, rediss://, postgres:// or postgresql:// URL, got ${JSON.stringify(inspected.shown)}`,
      help,
    );
  }
  return kind;
}

/**
 * Refuses every flag given that only the other backend takes, naming it: `--group` means
 * nothing to PostgreSQL, and silently ignoring it would hide a mistake.
 */
export function refuseOtherBackendFlags(
  command: string,
  kind: BackendKind,
  values: FlagValues,
  only: BackendOnlyFlags,
): void {
  const other: BackendKind = kind === "redis" ? "postgres" : "redis";
  const given = only[other].filter((flag) => values[flag] !== undefined);
  if (given.length === 0) return;
  const flags = given.map((flag) => `--${flag}`).join(", ");
  throw new UsageError(
    `necrostack ${command}: ${flags} ${given.length === 1 ? "applies" : "apply"} only to ${SERVER_NAMES[other]}, and the backend is ${SERVER_NAMES[kind]}; remove ${given.length === 1 ? "it" : "them"}`,
    `necrostack ${command} --help`,
  );
}

/** The worker flags that only one backend takes. */
export const WORKER_BACKEND_ONLY_FLAGS: BackendOnlyFlags = {
  redis: [
    "group",
    "dlq",
    "max-len",
    "claim-min-idle-ms",
    "claim-interval-ms",
    "command-timeout-ms",
    "remove-idle-consumers-after-ms",
  ],
  postgres: ["schema", "lease-ms", "poll-interval-ms", "retention-ms", "no-migrate"],
};

/** The enqueue flags that only one backend takes. */
export const ENQUEUE_BACKEND_ONLY_FLAGS: BackendOnlyFlags = {
  redis: ["max-len"],
  postgres: ["schema"],
};

/**
 * The backend options of the worker's flags: the generic ones (`--stream`, `--consumer`,
 * `--batch-size`, `--max-retries`) mapped to each backend's names, and the backend's own.
 */
export function workerBackendConfig(
  command: string,
  values: FlagValues,
  env: NodeJS.ProcessEnv,
): BackendConfig {
  const { kind, url } = backendUrlFlag(command, values, env);
  refuseOtherBackendFlags(command, kind, values, WORKER_BACKEND_ONLY_FLAGS);
  const text = (name: string): string | undefined => stringFlag(command, values, name);
  const int = (name: string, min: number, max = MAX_COUNT): number | undefined =>
    integerFlag(command, values, name, min, max);
  if (kind === "postgres") {
    return {
      postgresUrl: url,
      backend: defined<PostgresBackendOptions>({
        url,
        stream: text("stream"),
        schema: text("schema"),
        consumerName: text("consumer"),
        batchSize: int("batch-size", 1),
        maxRetries: int("max-retries", 1),
        leaseMs: int("lease-ms", 100, MAX_MS),
        pollIntervalMs: int("poll-interval-ms", 1, MAX_MS),
        retentionMs: int("retention-ms", 0, Number.MAX_SAFE_INTEGER),
        migrate: values["no-migrate"] === true ? false : undefined,
      }),
    };
  }
  return {
    redisUrl: url,
    backend: defined<RedisBackendOptions>({
      redisUrl: url,
      streamKey: text("stream"),
      consumerGroup: text("group"),
      consumerName: text("consumer"),
      dlqStream: text("dlq"),
      batchSize: int("batch-size", 1),
      maxRetries: int("max-retries", 1),
      claimMinIdleMs: int("claim-min-idle-ms", 1, MAX_MS),
      claimIntervalMs: int("claim-interval-ms", 1, MAX_MS),
      maxLen: int("max-len", 1, Number.MAX_SAFE_INTEGER),
      commandTimeoutMs: int("command-timeout-ms", 1, MAX_MS),
      removeIdleConsumersAfterMs: int("remove-idle-consumers-after-ms", 1, MAX_MS),
    }),
  };
}

/** The backend options of the enqueue command's flags (`--stream`, and each backend's own). */
export function enqueueBackendConfig(
  command: string,
  values: FlagValues,
  env: NodeJS.ProcessEnv,
): BackendConfig {
  const { kind, url } = backendUrlFlag(command, values, env);
  refuseOtherBackendFlags(command, kind, values, ENQUEUE_BACKEND_ONLY_FLAGS);
  const stream = stringFlag(command, values, "stream");
  if (kind === "postgres") {
    return {
      postgresUrl: url,
      backend: defined<PostgresBackendOptions>({
        url,
        stream,
        schema: stringFlag(command, values, "schema"),
      }),
    };
  }
  return {
    redisUrl: url,
    backend: defined<RedisBackendOptions>({
      redisUrl: url,
      streamKey: stream,
      maxLen: integerFlag(command, values, "max-len", 1, Number.MAX_SAFE_INTEGER),
    }),
  };
}

/**
 * Builds the backend of `config`, importing its entry (`necrostack/redis` or
 * `necrostack/postgres`) only now. Opening connects nothing yet: backends connect on first use.
 */
export async function openBackend(
  config: BackendConfig,
  logger: Logger | false,
): Promise<OpenedBackend> {
  if ("postgresUrl" in config) {
    const { PostgresBackend } = await import("../postgres.js");
    const backend = new PostgresBackend({ ...config.backend, logger });
    return {
      kind: "postgres",
      backend,
      consumerName: backend.consumerName,
      stream: backend.stream,
      scope: `schema ${backend.schema}`,
      target: maskUrl(config.postgresUrl),
      serverName: SERVER_NAMES.postgres,
      registry: {
        store: backend.schemaRegistry(),
        where: `${backend.schemaRegistry().location} at ${maskUrl(config.postgresUrl)}`,
      },
    };
  }
  const { RedisBackend } = await import("../redis.js");
  const backend = new RedisBackend({ ...config.backend, logger });
  return {
    kind: "redis",
    backend,
    consumerName: backend.consumerName,
    stream: backend.streamKey,
    scope: `group ${backend.consumerGroup}`,
    target: maskUrl(config.redisUrl),
    serverName: SERVER_NAMES.redis,
    registry: {
      store: backend.schemaRegistry(),
      where: `${backend.schemaRegistry().key} at ${maskUrl(config.redisUrl)}`,
    },
  };
}

/** `options` without its undefined entries, so unset flags leave the backend's defaults. */
function defined<T extends object>(options: { [K in keyof T]?: T[K] | undefined }): T {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as T;
}
