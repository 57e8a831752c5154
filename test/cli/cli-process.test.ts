/**
 * The CLI as users run it: a child process with real exit codes and real stdout/stderr. Most
 * behaviour is tested in process (cli.test.ts); these check what only a process shows.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(ROOT, "src/cli.ts");
/** tsx's loader by absolute URL: the children run in a temporary folder, away from node_modules. */
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "necrostack-cli-process-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI from source (no build needed) and resolves its exit code and output. */
function necrostack(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", TSX, CLI, ...args],
      {
        cwd: dir,
        env: { PATH: process.env.PATH, ...env },
        timeout: 20_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        done({ code, stdout, stderr });
      },
    );
  });
}

describe.concurrent("necrostack (as a process)", () => {
  it("runs the Séance with exit code 0, the story on stdout and nothing on stderr", async () => {
    const { code, stdout, stderr } = await necrostack(["demo", "seance", "--seed", "7"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("🔮 The omen is a wax drip shaped like a crown");
  });

  it("exits 1 with exactly one line on stderr, and no stack trace, for a missing file", async () => {
    const { code, stdout, stderr } = await necrostack(["demo", "etl", "--input", "gone.csv"]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe("necrostack: error: gone.csv: no such file\n");
  });

  it("exits 1 with exactly one line on stderr for malformed CSV", async () => {
    writeFileSync(join(dir, "broken.csv"), 'id,name\n1,"unclosed\n');
    const { code, stderr } = await necrostack(["demo", "etl", "--input", "broken.csv"]);
    expect(code).toBe(1);
    expect(stderr.split("\n")).toEqual([
      "necrostack: error: broken.csv: is not valid CSV: line 2, column 3: a quoted field is never closed (a closing double quote is missing)",
      "",
    ]);
  });

  it("exits 2 on an unknown command", async () => {
    const { code, stderr } = await necrostack(["summon"]);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown command "summon"');
  });

  it("writes JSON log lines to stderr with --verbose, keeping stdout for the story", async () => {
    const { code, stdout, stderr } = await necrostack(["demo", "etl", "--verbose"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Rows: 30 read, 25 kept, 5 dropped");
    const lines = stderr.trim().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: "INFO" });
  });

  it("ends quietly with exit code 0 when the reader of its stdout goes away", async () => {
    const child = spawn(process.execPath, ["--import", TSX, CLI, "demo", "etl"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Closed before the CLI has written anything: its first write fails with EPIPE.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.on("close", done));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
