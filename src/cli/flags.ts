/**
 * Flag parsing for the demo commands: node's `parseArgs` in strict mode, with every mistake
 * turned into a {@link UsageError} that names the flag, so the CLI prints it and exits 2.
 */
import { parseArgs } from "node:util";
import { messageOf } from "../core/errors.js";
import { didYouMean, UsageError } from "./usage-error.js";

export type FlagSpec = Record<string, { type: "string" | "boolean"; short?: string }>;
export type FlagValues = Record<string, string | boolean | undefined>;

/** Parses `argv` for `command` (such as `"demo etl"`); unknown flags and stray arguments are errors. */
export function parseFlags(command: string, argv: readonly string[], spec: FlagSpec): FlagValues {
  const help = `necrostack ${command} --help`;
  try {
    return parseArgs({ args: [...argv], options: spec, strict: true, allowPositionals: false })
      .values as FlagValues;
  } catch (error) {
    const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(messageOf(error))?.[1];
    const hint =
      unknown === undefined
        ? ""
        : didYouMean(
            unknown,
            Object.keys(spec).map((name) => `--${name}`),
          );
    throw new UsageError(
      `necrostack ${command}: ${firstSentence(messageOf(error))}.${hint}`,
      help,
      { cause: error },
    );
  }
}

/** A string flag's value, or `undefined` when absent. Rejects an empty or blank value. */
export function stringFlag(command: string, values: FlagValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.trim() === "") {
    throw new UsageError(
      `necrostack ${command}: expected \`--${name}\` to be a non-empty string, got ${JSON.stringify(value)}`,
      `necrostack ${command} --help`,
    );
  }
  return value;
}

/** An integer flag from `min` to `max`, or `undefined` when absent. */
export function integerFlag(
  command: string,
  values: FlagValues,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = stringFlag(command, values, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(
      `necrostack ${command}: expected \`--${name}\` to be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`,
      `necrostack ${command} --help`,
    );
  }
  return value;
}

/** parseArgs' messages run on with advice about `--`; the first sentence says what is wrong. */
function firstSentence(message: string): string {
  return message.split(/\.(?:\s|$)/)[0] ?? message;
}
