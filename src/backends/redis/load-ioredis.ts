/**
 * ioredis, imported on first use by whatever in `necrostack/redis` opens a connection (the
 * backend's client, the schema registry, the inspector, the replay target): it is an optional
 * peer dependency, and a missing one is an IoredisMissingError naming the package.
 */
import type { Command, Redis, RedisOptions } from "ioredis";
import { IoredisMissingError } from "./errors.js";

export type RedisClass = new (url: string, options: RedisOptions) => Redis;
export type CommandClass = new (
  name: string,
  args: (string | number)[],
  options: { replyEncoding: null; keyPrefix?: string | undefined },
) => Command;

/** What the package takes from the ioredis module. */
export interface IoredisModule {
  readonly Redis: RedisClass;
  readonly Command: CommandClass;
}

/** The ioredis module; rejects with IoredisMissingError when it cannot be loaded. */
export async function loadIoredis(): Promise<IoredisModule> {
  try {
    const mod = (await import("ioredis")) as unknown as {
      Redis?: RedisClass;
      default?: RedisClass;
      Command?: CommandClass;
    };
    const Redis = mod.Redis ?? mod.default;
    if (typeof Redis !== "function") throw new Error("ioredis exports no Redis class");
    if (typeof mod.Command !== "function") throw new Error("ioredis exports no Command class");
    return { Redis, Command: mod.Command };
  } catch (error) {
    throw new IoredisMissingError(error);
  }
}
