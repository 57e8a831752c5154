/**
 * The demo suite: `node dist/cli.js demo seance` as a whole process, from spawn to exit, as a
 * user runs it. One untimed run first, so the file cache is warm for every timed one.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ROOT } from "./lib/built.js";
import { spread } from "./lib/stats.js";
import type { BenchRow, BenchRunOptions, BenchSuite } from "./lib/suite.js";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const METRIC = "Séance demo, whole process (node dist/cli.js demo seance)";
const TIMEOUT_MS = 30_000;

function runDemoOnce(): Promise<number> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.NECROSTACK_LOG_LEVEL;
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [CLI, "demo", "seance"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      if (code === 0) resolve(ms);
      else
        reject(
          new Error(`the demo exited with code ${code} (signal ${signal}): ${stderr.slice(-500)}`),
        );
    });
  });
}

const suite: BenchSuite = {
  name: "demo",
  async run({ quick }: BenchRunOptions): Promise<BenchRow[]> {
    if (!existsSync(CLI)) {
      return [
        {
          metric: METRIC,
          unit: "ms",
          value: null,
          target: { op: "<", value: 200 },
          note: "skipped: dist/cli.js does not exist (the CLI is not built or not written yet)",
        },
      ];
    }
    await runDemoOnce();
    const times: number[] = [];
    for (let i = 0; i < (quick ? 1 : 7); i++) times.push(await runDemoOnce());
    return [
      {
        metric: METRIC,
        unit: "ms",
        ...spread(times),
        target: { op: "<", value: 200 },
        note: "wall time from spawn to exit; logs at the default level",
      },
    ];
  },
};

export default suite;
