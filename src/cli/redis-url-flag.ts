/** The `--redis` flag the Redis commands (`worker`, `enqueue`) share. */
import { inspectUrl } from "../utils/redact.js";
import { type FlagValues, stringFlag } from "./flags.js";
import { UsageError } from "./usage-error.js";

/**
 * The Redis URL from `--redis`, else from `REDIS_URL`. Only redis:// and rediss:// URLs that
 * parse are accepted. Messages show the URL with its password masked, and a URL that cannot be
 * masked (it does not parse) not at all: only what is wrong with it.
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
  const inspected = inspectUrl(url);
  if (!("shown" in inspected)) {
    throw new UsageError(
      `necrostack ${command}: expected \`--redis\` to be a URL such as redis://host:6379, got an ${inspected.kind} one (${inspected.reason}); it is not shown, as it may hold a password`,
      help,
    );
  }
  if (!/^rediss?:\/\//i.test(url)) {
    throw new UsageError(
      `necrostack ${command}: expected \`--redis\` to be a redis:// or rediss:// URL, got ${JSON.stringify(inspected.shown)}`,
      help,
    );
  }
  return url;
}
