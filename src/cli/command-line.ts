/**
 * Flag parsing shared by the Redis commands (`worker`, `enqueue`): node's `parseArgs` in strict
 * mode, with every mistake reported as a {@link CommandLineError} that names the flag and what it
 * received, so the CLI can print one line and exit 2.
 */
import { parseArgs } from "node:util";
import { messageOf, NecroStackError } from "../core/errors.js";
import { maskUrl } from "../utils/redact.js";

/** A flag is missing, unknown, or has a value the command cannot use. */
export class CommandLineError extends NecroStackError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_COMMAND_LINE", options);
  }
}

/** What a command needs from its process: output, environment and working directory. */
export interface CommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** The IO of the current process. */
export function processIO(): CommandIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
}

export type FlagSpec = Record<string, { type: "string" | "boolean"; short?: string }>;
export type FlagValues = Record<string, string | boolean | undefined>;

/** Parses `argv` against `spec`; unknown flags and stray positionals are errors. */
export function parseFlags(command: string, argv: readonly string[], spec: FlagSpec): FlagValues {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: spec,
      strict: true,
      allowPositionals: false,
    });
    return values as FlagValues;
  } catch (error) {
    throw new CommandLineError(
      `necrostack ${command}: ${messageOf(error)}. Run \`necrostack ${command} --help\` for usage.`,
      { cause: error },
    );
  }
}

/** A string flag's value, or `undefined` when absent. Rejects an empty value. */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw new CommandLineError(`Expected \`--${name}\` to be a non-empty string`);
  }
  return value;
}

/** An integer flag (>= `min`), or `undefined` when absent. */
export function integerFlag(values: FlagValues, name: string, min: number): number | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\s*-?\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < min) {
    throw new CommandLineError(
      `Expected \`--${name}\` to be an integer >= ${min}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** One of `allowed`, or `undefined` when absent. */
export function choiceFlag<T extends string>(
  values: FlagValues,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new CommandLineError(
      `Expected \`--${name}\` to be one of ${allowed.join(", ")}, got ${JSON.stringify(raw)}`,
    );
  }
  return raw as T;
}

/**
 * The Redis URL from `--redis`, else from `REDIS_URL`. Only redis:// and rediss:// are
 * accepted; the message shows the URL with its password masked.
 */
export function redisUrlFlag(values: FlagValues, env: NodeJS.ProcessEnv, command: string): string {
  const url = stringFlag(values, "redis") ?? (env.REDIS_URL === "" ? undefined : env.REDIS_URL);
  if (url === undefined) {
    throw new CommandLineError(
      `necrostack ${command}: give the Redis server with --redis redis://host:6379 (or set REDIS_URL)`,
    );
  }
  if (!/^rediss?:\/\//i.test(url)) {
    throw new CommandLineError(
      `Expected \`--redis\` to be a redis:// or rediss:// URL, got ${JSON.stringify(maskUrl(url))}`,
    );
  }
  return url;
}
