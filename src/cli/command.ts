/**
 * What a CLI command is: a function from its arguments to an exit code, loaded only when the
 * command is run, so `necrostack demo seance` never loads another command's dependencies
 * (ioredis, say). `src/cli.ts` lists the commands; each lives in its own module here.
 */

/** What a command needs from its process: output, environment and working directory. */
export interface CliIO {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error (the Spine's log lines go here too). */
  stderr(text: string): void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** Runs a command with its arguments (after the command's name) and resolves its exit code. */
export type CommandRun = (argv: readonly string[], io: CliIO) => Promise<number>;

/** One entry of a command table. */
export interface CommandEntry {
  /** One line for the parent's --help. */
  readonly summary: string;
  /** Imports the command's module; called only when the command runs. */
  load(): Promise<CommandRun>;
}

/** Exit codes: 0 done, 1 the command failed (a bad input file, say), 2 it was called wrongly. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * The IO of the current process. When the reader of stdout goes away (`necrostack demo etl |
 * head -3`), the process ends quietly, as Unix tools do, instead of crashing on EPIPE.
 */
export function processIO(): CliIO {
  process.stdout.once("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? EXIT_OK);
  });
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
}

/** The entry of `table` named `name`, if any (never an inherited property such as `constructor`). */
export function findCommand(
  table: Readonly<Record<string, CommandEntry>>,
  name: string,
): CommandEntry | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** The help lines listing `table`'s entries, names aligned. */
export function listCommands(table: Readonly<Record<string, CommandEntry>>): string[] {
  const names = Object.keys(table);
  const width = Math.max(...names.map((name) => name.length));
  return names.map((name) => `  ${name.padEnd(width)}   ${(table[name] as CommandEntry).summary}`);
}
