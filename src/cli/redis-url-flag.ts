/** The `--redis` flag the Redis commands (`worker`, `enqueue`) share. */
import { maskUrl } from "../utils/redact.js";
import { type FlagValues, stringFlag } from "./flags.js";
import { UsageError } from "./usage-error.js";

/**
 * The Redis URL from `--redis`, else from `REDIS_URL`. Only redis:// and rediss:// are
 * accepted; messages show the URL with its password masked.
 */
export function redisUrlFlag(command: string, values: FlagValues, env: NodeJS.ProcessEnv): string {
  const help = `necrostack ${command} --help`;
  const url = stringFlag(command, values, "redis") ?? (env.REDIS_URL || undefined);
  if (url === undefined) {
    throw new UsageError(
      `necrostack ${command}: give the Redis server with --redis redis://host:6379 (or set REDIS_URL)`,
      help,
    );
  }
  if (!/^rediss?:\/\//i.test(url)) {
    throw new UsageError(
      `necrostack ${command}: expected \`--redis\` to be a redis:// or rediss:// URL, got ${JSON.stringify(maskUrl(url))}`,
      help,
    );
  }
  return url;
}
