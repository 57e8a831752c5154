import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS, main } from "../../src/cli.js";
import { captureIO } from "./io.js";

const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "necrostack-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const io = captureIO(options);
  const code = await main(argv, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

/** The JSON log lines in `stderr`. */
function logLines(stderr: string): { level: string; message: string; event_type?: string }[] {
  return stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: string; message: string; event_type?: string });
}

describe("necrostack", () => {
  it("explains itself with --help, listing every command", async () => {
    const { code, stdout, stderr } = await run(["--help"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toContain("Usage: necrostack <command> [options]");
    for (const name of Object.keys(COMMANDS))
      expect(stdout).toMatch(new RegExp(`^  ${name} `, "m"));
    expect(stdout).toContain("NECROSTACK_LOG_LEVEL");
    expect((await run(["-h"])).stdout).toBe(stdout);
    expect((await run(["help"])).stdout).toBe(stdout);
  });

  it("prints the package's version with --version", async () => {
    expect(await run(["--version"])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
    expect((await run(["-V"])).stdout).toBe(`${VERSION}\n`);
  });

  it("prints its help on stderr and exits 2 when given no command", async () => {
    const { code, stdout, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("Usage: necrostack <command>");
  });

  it("exits 2 on an unknown command, suggesting the closest one", async () => {
    expect(await run(["dmeo"])).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'necrostack: Unknown command "dmeo". Did you mean "demo"?\nRun "necrostack --help" for usage.\n',
    });
    const far = await run(["frobnicate"]);
    expect(far.code).toBe(2);
    expect(far.stderr).toBe(
      'necrostack: Unknown command "frobnicate".\nRun "necrostack --help" for usage.\n',
    );
  });

  it("does not take an inherited property name for a command", async () => {
    expect((await run(["constructor"])).code).toBe(2);
    expect((await run(["demo", "toString"])).code).toBe(2);
  });

  it("exits 2 on an unknown top-level option", async () => {
    const { code, stderr } = await run(["--frob"]);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown option "--frob"');
  });
});

describe("necrostack demo", () => {
  it("explains itself with --help, listing the demos and what the logs do", async () => {
    const { code, stdout } = await run(["demo", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("Usage: necrostack demo <name> [options]");
    expect(stdout).toMatch(/^ {2}seance {3}SUMMON_RITUAL -> SPIRIT_APPEARED/m);
    expect(stdout).toMatch(/^ {2}etl {6}ETL_START -> RAW_DATA_LOADED/m);
    expect(stdout).toContain("--verbose logs every step");
  });

  it("exits 2 on an unknown demo, naming the demos", async () => {
    const { code, stderr } = await run(["demo", "seanse"]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'necrostack demo: Unknown demo "seanse". Did you mean "seance"? The demos are: seance, etl.\nRun "necrostack demo --help" for usage.\n',
    );
  });

  it("exits 2 with the help on stderr when no demo is named", async () => {
    const { code, stderr } = await run(["demo"]);
    expect(code).toBe(2);
    expect(stderr).toContain("Demos:");
  });
});

describe("necrostack demo seance", () => {
  it("tells the séance on stdout and nothing on stderr", async () => {
    const { code, stdout, stderr } = await run([
      "demo",
      "seance",
      "--spirit",
      "Edgar Allan Poe",
      "--question",
      "Will it rain?",
      "--seed",
      "7",
    ]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toBe(
      [
        "🕯️  The circle is drawn. You call upon Edgar Allan Poe...",
        "👻 A cold hand rests on the sitter's shoulder. Edgar Allan Poe is listening.",
        '❓ You ask: "Will it rain?"',
        '💬 Edgar Allan Poe answers: "The answer sleeps in a drawer you have not opened in years."',
        "🔮 The omen is a wax drip shaped like a crown: recognition, late but sincere.",
        "   (seed 7; the same seed tells the same séance)",
        "",
      ].join("\n"),
    );
  });

  it("accepts the short flags -s and -q", async () => {
    const long = await run(["demo", "seance", "--spirit", "Lenore", "--question", "Nevermore?"]);
    const short = await run(["demo", "seance", "-s", "Lenore", "-q", "Nevermore?"]);
    expect(short.stdout).toBe(long.stdout);
    expect(short.stdout).toContain('You ask: "Nevermore?"');
  });

  it("explains its options with --help", async () => {
    const { code, stdout } = await run(["demo", "seance", "--help"]);
    expect(code).toBe(0);
    for (const flag of ["--spirit NAME", "--question TEXT", "--seed N", "--verbose"]) {
      expect(stdout).toContain(flag);
    }
  });

  it("exits 2 on a seed that is not an integer in range", async () => {
    for (const seed of ["abc", "-1", "4294967296", "1.5"]) {
      // "--seed -1" reads as a missing value followed by a flag; "--seed=-1" is unambiguous.
      const { code, stderr } = await run(["demo", "seance", `--seed=${seed}`]);
      expect(code, seed).toBe(2);
      expect(stderr).toContain(
        `necrostack demo seance: expected \`--seed\` to be an integer from 0 to 4294967295, got "${seed}"`,
      );
    }
  });

  it("exits 2 on an unknown flag, suggesting the closest one", async () => {
    const { code, stderr } = await run(["demo", "seance", "--sprit", "x"]);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'necrostack demo seance: Unknown option \'--sprit\'. Did you mean "--spirit"?\nRun "necrostack demo seance --help" for usage.\n',
    );
  });

  it("exits 2 on a flag without its value, or an empty one", async () => {
    expect(await run(["demo", "seance", "--seed", "-1"])).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "necrostack demo seance: Option '--seed' argument is ambiguous.\nRun \"necrostack demo seance --help\" for usage.\n",
    });
    expect((await run(["demo", "seance", "--spirit"])).stderr).toContain(
      "Option '-s, --spirit <value>' argument missing",
    );
    const empty = await run(["demo", "seance", "--question", " "]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("expected `--question` to be a non-empty string");
  });

  it("exits 2 on a question the séance cannot take", async () => {
    const { code, stderr } = await run(["demo", "seance", "--question", "x".repeat(201)]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^necrostack: Expected `question` to be a non-empty string of at most 200/,
    );
  });

  it("logs every step as JSON lines on stderr with --verbose", async () => {
    const { code, stdout, stderr } = await run(["demo", "seance", "--seed", "1", "--verbose"]);
    expect(code).toBe(0);
    expect(stdout).toContain("🔮 The omen is");
    const logs = logLines(stderr);
    expect(logs.length).toBeGreaterThanOrEqual(4);
    expect(logs.every((line) => line.level === "INFO")).toBe(true);
    const types = new Set(logs.map((line) => line.event_type));
    for (const type of ["SUMMON_RITUAL", "SPIRIT_APPEARED", "ANSWER_GENERATED", "OMEN_REVEALED"]) {
      expect(types).toContain(type);
    }
  });

  it("logs at NECROSTACK_LOG_LEVEL when it is set", async () => {
    const info = await run(["demo", "seance"], { env: { NECROSTACK_LOG_LEVEL: "INFO" } });
    expect(logLines(info.stderr).length).toBeGreaterThanOrEqual(4);
    const quiet = await run(["demo", "seance"], { env: { NECROSTACK_LOG_LEVEL: "error" } });
    expect(quiet.stderr).toBe("");
  });

  it("exits 2 when NECROSTACK_LOG_LEVEL is not a level", async () => {
    const { code, stdout, stderr } = await run(["demo", "seance"], {
      env: { NECROSTACK_LOG_LEVEL: "loud" },
    });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "necrostack: Expected `level` to be one of fatal, error, warn, info, debug, trace, silent, got `loud` (string)\n",
    );
  });
});

describe("necrostack demo etl", () => {
  it("summarises the bundled sample when no --input is given", async () => {
    const { code, stdout, stderr } = await run(["demo", "etl"]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toContain("Rows: 30 read, 25 kept, 5 dropped\n");
    expect(stdout).toContain("  quantity    number  sum 189, min 1, max 40, mean 7.56\n");
  });

  it("reads --input relative to the working directory", async () => {
    writeFileSync(join(dir, "mine.csv"), "city,visitors\nParis,3\nRome,4\nParis,5\n");
    const { code, stdout } = await run(["demo", "etl", "--input", "mine.csv"], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        "ETL summary for mine.csv",
        "Rows: 3 read, 3 kept, 0 dropped",
        "Columns:",
        '  city      text    2 distinct, most common "Paris" (2)',
        "  visitors  number  sum 12, min 3, max 5, mean 4",
        "",
      ].join("\n"),
    );
  });

  it("exits 1 with one line on stderr for a missing file", async () => {
    expect(await run(["demo", "etl", "-i", "missing.csv"], { cwd: dir })).toEqual({
      code: 1,
      stdout: "",
      stderr: "necrostack: error: missing.csv: no such file\n",
    });
  });

  it("exits 1 with one line on stderr for malformed CSV", async () => {
    writeFileSync(join(dir, "bad.csv"), 'a,b\n1,x"y\n');
    const { code, stdout, stderr } = await run(["demo", "etl", "--input", "bad.csv"], { cwd: dir });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      "necrostack: error: bad.csv: is not valid CSV: line 2, column 4: a double quote inside an unquoted field (quote the whole field and double the quote)\n",
    );
  });

  it("explains itself with --help, including the exit codes", async () => {
    const { code, stdout } = await run(["demo", "etl", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("--input FILE.csv");
    expect(stdout).toContain("Exit codes: 0 done, 1 the file is missing");
  });

  it("exits 2 on a stray argument", async () => {
    const { code, stderr } = await run(["demo", "etl", "data.csv"]);
    expect(code).toBe(2);
    expect(stderr).toContain("Unexpected argument 'data.csv'");
  });
});
