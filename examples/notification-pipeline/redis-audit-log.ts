/**
 * The audit log in Redis, shared by every worker of a run. One Lua script records a line and
 * decides completion atomically, so when two workers record a notification's last two channels
 * at once, exactly one of them sees it complete.
 *
 * Keys, under `prefix`: `<prefix>:n:<notificationId>` (a hash: channel or "request" -> line JSON),
 * `<prefix>:completed` (notificationId -> the channel whose line completed it) and
 * `<prefix>:totals` (the counters the summary reads).
 */
import { Redis } from "ioredis";
import {
  type AuditLine,
  type AuditLog,
  type AuditTotals,
  type Completion,
  compareLines,
  completionOf,
  countLine,
  emptyTotals,
} from "./audit-log.js";
import { CHANNELS, type Channel } from "./events.js";

/**
 * KEYS: the notification's hash, the completed hash, the totals hash.
 * ARGV: notification id, field, line JSON, channels expected (0 for an invalid request), then
 * (counter, increment) pairs to add when the line is new.
 * Returns the notification's hash (as HGETALL does) when this line completed it, or when it is a
 * redelivery of the line that did; nil otherwise.
 */
const RECORD = `
if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3]) == 1 then
  for i = 5, #ARGV, 2 do redis.call('HINCRBY', KEYS[3], ARGV[i], ARGV[i + 1]) end
  local expected = tonumber(ARGV[4])
  if expected > 0 and redis.call('HLEN', KEYS[1]) >= expected then
    redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
    redis.call('HINCRBY', KEYS[3], 'completed', 1)
    return redis.call('HGETALL', KEYS[1])
  end
  return nil
end
if redis.call('HGET', KEYS[2], ARGV[1]) == ARGV[2] then return redis.call('HGETALL', KEYS[1]) end
return nil
`;

const RECORD_COMMAND = "necrostackAuditRecord";
/** The method `defineCommand` adds. */
type RecordCommand = (...keysAndArgs: (string | number)[]) => Promise<string[] | null>;

export class RedisAuditLog implements AuditLog {
  readonly prefix: string;
  readonly #redis: Redis;

  constructor(redisUrl: string, prefix: string) {
    this.prefix = prefix;
    this.#redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    // ioredis sends EVALSHA, and the script itself only when Redis does not have it yet.
    this.#redis.defineCommand(RECORD_COMMAND, { numberOfKeys: 3, lua: RECORD });
  }

  async record(line: AuditLine, channels: readonly Channel[]): Promise<Completion | null> {
    const counters = new Map<string, number>();
    const totals = emptyTotals();
    countLine(totals, line);
    for (const [name, value] of flatten(totals)) if (value !== 0) counters.set(name, value);
    const args: (string | number)[] = [
      line.notificationId,
      line.channel ?? "request",
      JSON.stringify(line),
      channels.length,
    ];
    for (const [name, value] of counters) args.push(name, value);
    const command = (this.#redis as unknown as Record<typeof RECORD_COMMAND, RecordCommand>)[
      RECORD_COMMAND
    ];
    const reply = await command.call(
      this.#redis,
      this.#key(line.notificationId),
      `${this.prefix}:completed`,
      `${this.prefix}:totals`,
      ...args,
    );
    if (reply === null) return null;
    return completionOf(line.notificationId, channels, outcomesOf(reply));
  }

  async totals(): Promise<AuditTotals> {
    const stored = await this.#redis.hgetall(`${this.prefix}:totals`);
    const totals = emptyTotals();
    const read = (name: string): number => Number(stored[name] ?? 0);
    totals.invalid = read("invalid");
    totals.completed = read("completed");
    totals.deadLettered = read("deadLettered");
    totals.retries = read("retries");
    for (const channel of CHANNELS) {
      totals.delivered[channel] = read(`delivered:${channel}`);
      totals.undelivered[channel] = read(`undelivered:${channel}`);
    }
    return totals;
  }

  /** The lines of the given notifications, ordered as MemoryAuditLog.lines() orders them. */
  async linesOf(notificationIds: readonly string[]): Promise<AuditLine[]> {
    const pipeline = this.#redis.pipeline();
    for (const id of notificationIds) pipeline.hvals(this.#key(id));
    const replies = (await pipeline.exec()) ?? [];
    const lines: AuditLine[] = [];
    for (const [error, values] of replies) {
      if (error) throw error;
      for (const json of values as string[]) lines.push(JSON.parse(json) as AuditLine);
    }
    return lines.sort(compareLines);
  }

  /** Deletes what this run stored for the given notifications, its counters, and `alsoKeys`. */
  async clear(notificationIds: readonly string[], alsoKeys: readonly string[] = []): Promise<void> {
    for (let i = 0; i < notificationIds.length; i += 1_000) {
      const keys = notificationIds.slice(i, i + 1_000).map((id) => this.#key(id));
      await this.#redis.unlink(...keys);
    }
    await this.#redis.unlink(`${this.prefix}:completed`, `${this.prefix}:totals`, ...alsoKeys);
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  #key(notificationId: string): string {
    return `${this.prefix}:n:${notificationId}`;
  }
}

/** The counters of `totals` as (name, value) pairs, named as the totals hash stores them. */
function flatten(totals: AuditTotals): [string, number][] {
  const pairs: [string, number][] = [
    ["invalid", totals.invalid],
    ["deadLettered", totals.deadLettered],
    ["retries", totals.retries],
  ];
  for (const channel of CHANNELS) {
    pairs.push([`delivered:${channel}`, totals.delivered[channel]]);
    pairs.push([`undelivered:${channel}`, totals.undelivered[channel]]);
  }
  return pairs;
}

function outcomesOf(reply: readonly string[]): Map<Channel, AuditLine> {
  const outcomes = new Map<Channel, AuditLine>();
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const line = JSON.parse(reply[i + 1] as string) as AuditLine;
    if (line.channel !== null) outcomes.set(line.channel, line);
  }
  return outcomes;
}
