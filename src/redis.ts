/**
 * `necrostack/redis`: the Redis Streams backend. Needs the optional peer dependency `ioredis`
 * (>=5); the core entry `necrostack` never loads it.
 */

/** Its errors; both extend NecroStackError. */
export { IoredisMissingError, RedisOperationError } from "./backends/redis/errors.js";
export type { RedisBackendHealth } from "./backends/redis/health.js";
export type { RedisBackendMetrics } from "./backends/redis/metrics.js";
export type { RedisBackendOptions } from "./backends/redis/options.js";
/** The backend, its options, and what it reports. */
export { RedisBackend } from "./backends/redis/redis-backend.js";
