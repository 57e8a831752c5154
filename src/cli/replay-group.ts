/**
 * `necrostack replay --group NAME` on Redis: the consumer group created on the stream just
 * before `--since` (replay-group.ts in the Redis backend), and how to start its workers.
 */

import { createGroupAt, groupStartId } from "../backends/redis/replay-group.js";
import { messageOf } from "../core/errors.js";
import { maskUrl } from "../utils/redact.js";
import type { CliIO } from "./command.js";
import { EXIT_FAILURE, EXIT_OK } from "./command.js";
import type { ReplayConfig } from "./replay.js";
import { UsageError } from "./usage-error.js";

export async function createReplayGroup(
  config: ReplayConfig,
  group: string,
  io: CliIO,
): Promise<number> {
  const { since } = config.selection;
  let startId: string;
  if (since === undefined) startId = groupStartId(undefined);
  else if (typeof since === "string" && /^\d+(-\d+)?$/.test(since)) startId = groupStartId(since);
  else {
    const ms = Date.parse(String(since));
    if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(String(since))) {
      throw new UsageError(
        `necrostack replay: expected \`--since\` to be an ISO-8601 time or a Redis entry id, got ${JSON.stringify(since)}`,
        "necrostack replay --help",
      );
    }
    startId = groupStartId(ms);
  }
  const { Redis } = await import("ioredis");
  const redis = new Redis(config.source.url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    commandTimeout: 10_000,
  });
  redis.on("error", () => {});
  const stream = config.source.stream;
  try {
    await redis.connect();
    const made = await createGroupAt(redis, stream, group, startId);
    const out = {
      stream,
      ...made,
      worker: `necrostack worker --backend ${maskUrl(config.source.url)} --stream ${stream} --group ${group} --organs ./organs.js`,
    };
    if (config.json) io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    else {
      io.stdout(
        [
          `Created consumer group ${group} on stream ${stream} at ${startId}: its workers handle ${made.lag === null ? "every entry after it" : `${made.lag.toLocaleString("en-US")} entries`} (the original entries, under their own ids), then new ones.`,
          ...(made.oldestKept !== null
            ? [
                `NOT AVAILABLE: the stream keeps nothing before entry ${made.oldestKept}; the range before it was trimmed (maxLen) and will not be handled.`,
              ]
            : []),
          `Start its workers with: ${out.worker}`,
          "",
        ].join("\n"),
      );
    }
    return EXIT_OK;
  } catch (error) {
    const message = messageOf(error);
    io.stderr(
      /BUSYGROUP/.test(message)
        ? `necrostack replay: consumer group ${group} already exists on ${stream}; --group creates a fresh one (moving a live group would skip or repeat its events): give a new name\n`
        : /no such key|requires the key to exist/i.test(message)
          ? `necrostack replay: stream ${stream} does not exist at ${maskUrl(config.source.url)}\n`
          : `necrostack replay: could not create consumer group ${group} on ${stream}: ${message}\n`,
    );
    return EXIT_FAILURE;
  } finally {
    redis.disconnect();
  }
}
