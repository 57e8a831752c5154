import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const page = readFileSync(join(root, "docs", "replay.md"), "utf8");
const walkThrough = page.slice(
  page.indexOf("## Walk-through\n"),
  page.indexOf("\n## `necrostack trace"),
);

/** The ```lang blocks of the walk-through, in order. */
function blocks(lang: string): string[] {
  return [...walkThrough.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map(
    (match) => match[1] as string,
  );
}

/** A shell line's words: single quotes kept together, as sh reads them here. */
function words(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? (match[2] as string));
}

interface Command {
  readonly env: Record<string, string>;
  readonly args: string[];
}

/** Each `npx necrostack ...` line, with the variables set before it. */
function commands(): Command[] {
  return blocks("sh")
    .flatMap((block) => block.split("\n"))
    .filter((line) => line.includes("npx necrostack "))
    .map((line) => {
      const parts = words(line);
      const at = parts.indexOf("npx");
      const env = Object.fromEntries(
        parts.slice(0, at).map((part) => part.split("=") as [string, string]),
      );
      return { env, args: parts.slice(at + 2) };
    });
}

describeRedis("docs/replay.md", () => {
  let server: RedisServer;
  let dir: string;
  beforeAll(async () => {
    server = await RedisServer.start();
    dir = mkdtempSync(join(root, "test", "docs", ".replay-"));
    const [organs] = blocks("js");
    writeFileSync(
      join(dir, "shop.mjs"),
      (organs as string).replace('"necrostack"', JSON.stringify(join(root, "src", "index.ts"))),
    );
  });
  afterAll(async () => {
    await server?.dispose();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const cli = (
    command: Command,
  ): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(root, "src", "cli.ts"), ...command.args],
      {
        cwd: dir,
        env: {
          ...process.env,
          NECROSTACK_LOG_LEVEL: "warn",
          NECROSTACK_BACKEND_URL: server.url,
          ...command.env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
      child.once("exit", (code) => resolve({ code, out, err })),
    );
    return { child, done };
  };

  it("has a walk-through that runs as printed", { timeout: 120_000 }, async () => {
    const list = commands();
    expect(list.map((command) => command.args[0])).toEqual([
      "enqueue",
      "enqueue",
      "worker",
      "trace",
      "replay",
      "trace",
      "replay",
      "replay",
    ]);
    const results: { code: number | null; out: string; err: string }[] = [];
    const redis = rawClient(server.url);
    try {
      for (const command of list) {
        const run = cli(command);
        if (command.args[0] === "worker") {
          await waitUntil(
            "the orders handled and bad-1's SHIPPED dead-lettered",
            async () => (await redis.xlen("shop")) === 7 && (await redis.xlen("shop:dlq")) === 1,
            30_000,
          );
          run.child.kill("SIGTERM");
        }
        const result = await run.done;
        if (command.args[0] !== "worker" && result.code === 2) throw new Error(result.err);
        results.push(result);
      }
    } finally {
      redis.disconnect();
    }
    const [, , , trace, dry, rerun, into, group] = results as (typeof results)[number][];
    // The tree as the page shows it, line by line (ids, times and entry ids aside).
    const tree = /```\n(Causation tree of [\s\S]*?)```/.exec(walkThrough);
    const shown = String(tree?.[1]).trim().split("\n");
    const printed = String(trace?.out).trim().split("\n");
    expect(printed).toHaveLength(shown.length);
    expect(printed[0]).toBe(shown[0]);
    expect(printed[1]).toBe(
      "chain 5d1e4c1a-0000-4000-8000-000000000002: 3 events, 1 dead letter; 8 entries searched",
    );
    expect(printed[3]).toMatch(
      /^ORDER_PLACED 5d1e4c1a-0000-4000-8000-000000000002 .* hop 0 {2}root {2}\[stream .*◀ focus$/,
    );
    expect(printed[4]).toMatch(/^└─ PAYMENT_TAKEN .* hop 1 {2}by Payments {2}\[stream /);
    const reason = /DEAD LETTER at \S+: (.*)$/.exec(shown[5] as string)?.[1] as string;
    expect(printed[5]).toMatch(
      /^ {3}└─ SHIPPED .* hop 2 {2}by Shipping {2}\[dead letters .*✗ DEAD LETTER at /,
    );
    expect(printed[5]).toContain(`: ${reason}`);
    expect(dry?.code).toBe(1);
    expect(dry?.out).toContain('then PAYMENT_TAKEN {"orderId":"o-1","amount":20}');
    expect(dry?.out).toContain('now  PAYMENT_TAKEN {"orderId":"o-1","amount":22}');
    expect(dry?.out).toContain("≠ payload.amount: 20 -> 22");
    expect(rerun?.code).toBe(1);
    expect(rerun?.out).toMatch(
      /departs from the recorded run at 1 of 4 steps: the first at step 1/,
    );
    expect(into?.code).toBe(0);
    expect(into?.out).toMatch(/replayed +2\n/);
    expect(group?.code).toBe(0);
    expect(group?.out).toMatch(
      /Created consumer group audit-again on stream shop at 0: its workers handle 7 entries/,
    );
  });
});
