/**
 * `necrostack/redis`: the Redis Streams backend. Needs the optional peer dependency `ioredis`
 * (>=5); the core entry `necrostack` never loads it.
 */

/** Its errors; each extends NecroStackError. */
export {
  CommandTimeoutError,
  CommitTooLargeError,
  IoredisMissingError,
  RedisOperationError,
} from "./backends/redis/errors.js";
export type { RedisBackendHealth } from "./backends/redis/health.js";
/** Read-and-repair access to streams and dead letters, for operators' tools (the dashboard). */
export { RedisInspector, type RedisInspectorOptions } from "./backends/redis/inspector.js";
export type { RedisBackendMetrics } from "./backends/redis/metrics.js";
export type { RedisBackendOptions } from "./backends/redis/options.js";
/** The backend, its options, and what it reports. */
export { RedisBackend } from "./backends/redis/redis-backend.js";
/** Replay into a Redis stream (`replay()` from `necrostack/replay`), resumable, or a fresh group. */
export { createGroupAt, groupStartId, type ReplayGroup } from "./backends/redis/replay-group.js";
export {
  RedisReplayTarget,
  type RedisReplayTargetOptions,
  replayProgressKey,
} from "./backends/redis/replay-target.js";
/** The schema registry's store in the hash `<stream>:schemas`. */
export {
  type RedisSchemaRegistryOptions,
  RedisSchemaRegistryStore,
} from "./backends/redis/schema-registry.js";
