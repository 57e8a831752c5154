/**
 * The soak's worker processes: `node --import tsx dist/cli.js worker` (the built CLI, with tsx
 * only to load the organs module), one per slot. A killed or crashed worker is replaced in its
 * slot by a new one with a new consumer name. Each worker's stderr (its JSON log lines) goes to a
 * file; its RSS is read from /proc.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../lib/built.js";
import { GROUP, STREAM } from "./keys.js";
import type { SoakOptions } from "./options.js";

const CLI = "dist/cli.js";
const ORGANS = "bench/soak/organs.ts";

/** How a worker ended. */
export type WorkerEnd = "killed" | "crashed" | "stopped" | "stop failed";

export interface RssSample {
  /** Since the start of the run. */
  readonly atMs: number;
  readonly mb: number;
}

export interface SoakWorker {
  readonly name: string;
  readonly slot: number;
  readonly pid: number;
  readonly startedAtMs: number;
  readonly stderrPath: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** Resolves once the worker prints that it is listening (never, if it dies first). */
  readonly listening: Promise<void>;
  readonly rss: RssSample[];
  endedAtMs?: number;
  end?: WorkerEnd;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
}

export class WorkerPool {
  /** Every worker started, in order. */
  readonly all: SoakWorker[] = [];
  readonly #live = new Map<number, SoakWorker>();
  readonly #options: SoakOptions;
  readonly #redisUrl: string;
  readonly #dir: string;
  readonly #clock: () => number;
  readonly #say: (line: string) => void;
  #stopping = false;

  constructor(
    options: SoakOptions,
    redisUrl: string,
    dir: string,
    clock: () => number,
    say: (line: string) => void,
  ) {
    this.#options = options;
    this.#redisUrl = redisUrl;
    this.#dir = dir;
    this.#clock = clock;
    this.#say = say;
  }

  /** Fills every slot. */
  startAll(): void {
    for (let slot = 0; slot < this.#options.workers; slot++) this.#start(slot);
  }

  get live(): readonly SoakWorker[] {
    return [...this.#live.values()];
  }

  /** SIGKILLs the worker in `slot`, waits for it to die, and starts a new one there. */
  async kill(slot: number): Promise<void> {
    const victim = this.#live.get(slot);
    if (victim === undefined) return;
    victim.end = "killed";
    victim.child.kill("SIGKILL");
    await victim.exited;
    const next = this.#start(slot);
    this.#say(`killed ${victim.name} (SIGKILL); started ${next.name}`);
  }

  /** Reads /proc/<pid>/status VmRSS of every live worker; returns the time of the reading. */
  sampleRss(): number {
    const atMs = this.#clock();
    for (const worker of this.#live.values()) {
      const mb = rssMb(worker.pid);
      if (mb !== undefined) worker.rss.push({ atMs, mb });
    }
    return atMs;
  }

  /**
   * SIGTERMs every live worker once it is listening (a process still loading has no handler for
   * the signal yet) and waits, at most `timeoutMs`, for each to exit.
   */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      [...this.#live.values()].map(async (worker) => {
        worker.end = "stopped";
        await within(Promise.race([worker.listening, worker.exited]), timeoutMs);
        worker.child.kill("SIGTERM");
        if ((await within(worker.exited, timeoutMs)) === "late") {
          worker.end = "stop failed";
          worker.child.kill("SIGKILL");
          await worker.exited;
        }
      }),
    );
  }

  /** SIGKILLs every live worker at once (for Ctrl-C and errors); synchronous, so safe on exit. */
  killAllNow(): void {
    this.#stopping = true;
    for (const worker of this.#live.values()) worker.child.kill("SIGKILL");
  }

  #start(slot: number): SoakWorker {
    const name = `w${this.all.length + 1}`;
    const stderrPath = join(this.#dir, `${name}.stderr.log`);
    const stderr = openSync(stderrPath, "a");
    const o = this.#options;
    const child = spawn(
      process.execPath,
      [
        ...["--import", "tsx", CLI, "worker", "--organs", ORGANS, "--redis", this.#redisUrl],
        ...["--stream", STREAM, "--group", GROUP, "--consumer", name],
        ...["--concurrency", String(o.concurrency)],
        ...["--claim-min-idle-ms", String(o.claimMinIdleMs)],
        ...["--handler-failure-mode", o.handlerFailureMode],
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          NECROSTACK_LOG_LEVEL: "warn",
          SOAK_REDIS_URL: this.#redisUrl,
          SOAK_WORKER: name,
        },
        stdio: ["ignore", "pipe", stderr],
      },
    );
    closeSync(stderr);
    if (child.pid === undefined) throw new Error(`could not spawn worker ${name}`);
    const listening = new Promise<void>((resolve) => {
      let stdout = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("listening on")) resolve();
        if (stdout.length > 10_000) stdout = stdout.slice(-1_000);
      });
    });
    const exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        worker.exit = { code, signal };
        worker.endedAtMs = this.#clock();
        this.#live.delete(slot);
        this.#exited(worker);
        resolve();
      });
    });
    const worker: SoakWorker = {
      name,
      slot,
      pid: child.pid,
      startedAtMs: this.#clock(),
      stderrPath,
      child,
      exited,
      listening,
      rss: [],
    };
    this.all.push(worker);
    this.#live.set(slot, worker);
    return worker;
  }

  /** A worker that exits when nobody asked it to has crashed: say so, and replace it. */
  #exited(worker: SoakWorker): void {
    if (worker.end !== undefined || this.#stopping) return;
    worker.end = "crashed";
    const next = this.#start(worker.slot);
    this.#say(
      `CRASH: ${worker.name} exited by itself (${JSON.stringify(worker.exit)}); started ${next.name}. Its last log lines:\n${indent(tail(worker.stderrPath, 20))}`,
    );
  }
}

/** Settles with `promise`, or with "late" after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "late"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The last `lines` lines of a file. */
export function tail(path: string, lines: number): string {
  try {
    const text = readFileSync(path, "utf8").trimEnd();
    return text.split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `    ${line}`)
    .join("\n");
}

function rssMb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}
