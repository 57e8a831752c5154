/**
 * Where the time goes in a Redis benchmark run: CPU used by the redis-server process and by this
 * Node process, per handled event. On a 2-core machine the two compete for the same cores, so
 * these explain a throughput figure better than the wall clock alone.
 */
import type { Redis } from "ioredis";

/** A CPU-time reading of Redis (from INFO cpu) and of this process, in microseconds. */
export interface CpuReading {
  readonly redisUs: number;
  readonly nodeUs: number;
}

export async function readCpu(redis: Redis): Promise<CpuReading> {
  const info = await redis.info("cpu");
  const field = (name: string): number => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1]);
  const own = process.cpuUsage();
  return {
    redisUs: (field("used_cpu_user") + field("used_cpu_sys")) * 1e6,
    nodeUs: own.user + own.system,
  };
}

/** CPU per event between two readings. */
export function cpuPerEvent(
  before: CpuReading,
  after: CpuReading,
  events: number,
): { redisUsPerEvent: number; nodeUsPerEvent: number } {
  return {
    redisUsPerEvent: (after.redisUs - before.redisUs) / events,
    nodeUsPerEvent: (after.nodeUs - before.nodeUs) / events,
  };
}
