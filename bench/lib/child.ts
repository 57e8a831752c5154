/**
 * Runs one measurement in a fresh Node process, so each throughput figure starts from the same
 * JIT and GC state instead of inheriting the previous run's.
 *
 * A task is an exported async function of a module under bench/; it receives JSON arguments and
 * resolves a JSON result, which comes back over the IPC channel.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ROOT } from "./built.js";

const ENTRY = fileURLToPath(new URL("./child-entry.ts", import.meta.url));

/** Options for {@link runInChild}. */
export interface ChildOptions {
  /** Kill the child and reject after this long. @defaultValue 300_000 */
  readonly timeoutMs?: number;
  /** Extra `node` flags, such as `--expose-gc`. */
  readonly nodeFlags?: readonly string[];
  /** Environment changes; a value of `undefined` removes the variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The message a child sends back. */
export type ChildMessage = { ok: true; result: unknown } | { ok: false; error: string };

/**
 * Calls `exportName(args)` from `moduleUrl` (an `import.meta.url`-relative URL of a bench module)
 * in a new process and resolves its result.
 */
export function runInChild<T>(
  moduleUrl: URL,
  exportName: string,
  args: unknown,
  options: ChildOptions = {},
): Promise<T> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = fork(ENTRY, [fileURLToPath(moduleUrl), exportName, JSON.stringify(args)], {
    cwd: ROOT,
    env,
    execArgv: ["--import", "tsx", ...(options.nodeFlags ?? [])],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const timeoutMs = options.timeoutMs ?? 300_000;
  return new Promise<T>((resolve, reject) => {
    let message: ChildMessage | undefined;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${exportName} did not finish within ${timeoutMs} ms; killed`));
    }, timeoutMs);
    child.on("message", (m) => {
      message = m as ChildMessage;
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (message?.ok === true) resolve(message.result as T);
      else if (message?.ok === false) reject(new Error(`${exportName} failed: ${message.error}`));
      else
        reject(new Error(`${exportName} exited (code ${code}, signal ${signal}) with no result`));
    });
  });
}

/** Runs the same task `times` times, one process after another, and resolves every result. */
export async function repeatInChild<T>(
  times: number,
  moduleUrl: URL,
  exportName: string,
  args: unknown,
  options?: ChildOptions,
): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < times; i++) {
    results.push(await runInChild<T>(moduleUrl, exportName, args, options));
  }
  return results;
}
