/**
 * The inspector a read-only command (`trace`, `replay`) reads a stream through, chosen by the
 * scheme of `--backend` like every command's backend (backend-url.ts), with its backend's own
 * flags (`--dlq` on Redis, `--schema` on PostgreSQL); the backend's entry is imported only once
 * chosen.
 */
import type { StreamInspector } from "../core/inspect/inspector.js";
import { type BackendKind, backendUrlFlag, refuseOtherBackendFlags } from "./backend-url.js";
import { type FlagValues, stringFlag } from "./flags.js";

/** Where a command reads from. */
export interface InspectorConfig {
  readonly kind: BackendKind;
  readonly url: string;
  readonly stream: string;
  /** Redis: the dead-letter stream, when not `<stream>:dlq`. */
  readonly dlq: string | undefined;
  /** PostgreSQL: the schema of the stream's tables. */
  readonly schema: string | undefined;
}

/** The flags {@link inspectorConfig} reads, for a command's FlagSpec. */
export const INSPECTOR_FLAGS = {
  backend: { type: "string" },
  redis: { type: "string" },
  stream: { type: "string" },
  dlq: { type: "string" },
  schema: { type: "string" },
} as const;

/** The stream's default name on each backend, as the worker's. */
const DEFAULT_STREAM: Readonly<Record<BackendKind, string>> = {
  redis: "necrostack:events",
  postgres: "events",
};

/** The inspector's settings from `--backend` (or its environment), `--stream` and the rest. */
export function inspectorConfig(
  command: string,
  values: FlagValues,
  env: NodeJS.ProcessEnv,
): InspectorConfig {
  const { kind, url } = backendUrlFlag(command, values, env);
  refuseOtherBackendFlags(command, kind, values, { redis: ["dlq"], postgres: ["schema"] });
  return {
    kind,
    url,
    stream: stringFlag(command, values, "stream") ?? DEFAULT_STREAM[kind],
    dlq: stringFlag(command, values, "dlq"),
    schema: stringFlag(command, values, "schema"),
  };
}

/** Opens the inspector (connecting on first use). */
export async function openInspector(config: InspectorConfig): Promise<StreamInspector> {
  if (config.kind === "postgres") {
    const { PostgresInspector } = await import("../backends/postgres/inspector.js");
    return new PostgresInspector({
      url: config.url,
      streams: [config.stream],
      ...(config.schema !== undefined ? { schema: config.schema } : {}),
    });
  }
  const { RedisInspector } = await import("../backends/redis/inspector.js");
  return new RedisInspector({
    redisUrl: config.url,
    streams: [config.stream],
    ...(config.dlq !== undefined ? { dlqStreams: { [config.stream]: config.dlq } } : {}),
  });
}
