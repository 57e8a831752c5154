/** A CliIO that keeps what a command writes, for in-process CLI tests. */
import type { CliIO } from "../../src/cli/command.js";

export interface CapturedIO extends CliIO {
  readonly out: string[];
  readonly err: string[];
  readonly stdoutText: () => string;
  readonly stderrText: () => string;
}

export function captureIO(options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CapturedIO {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    stdoutText: () => out.join(""),
    stderrText: () => err.join(""),
  };
}

/** A CliIO that keeps what a command writes as two strings, `out` and `err`. */
export function recordingIO(env: NodeJS.ProcessEnv = {}): CliIO & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    env,
    cwd: process.cwd(),
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
  };
  return io;
}
