import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const page = readFileSync(join(root, "docs", "several-backends.md"), "utf8");

/** The first ```ts block under `## heading`. */
function codeUnder(heading: string): string {
  const start = page.indexOf(`## ${heading}\n`);
  if (start === -1) throw new Error(`docs/several-backends.md has no "## ${heading}" section`);
  const match = /```ts\n([\s\S]*?)```/.exec(page.slice(start));
  if (match?.[1] === undefined) throw new Error(`"${heading}" has no ts block`);
  return match[1];
}

describeRedis("docs/several-backends.md", () => {
  let a: RedisServer;
  let b: RedisServer;
  beforeAll(async () => {
    [a, b] = await Promise.all([RedisServer.start(), RedisServer.start()]);
  });
  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
  });

  it("has a walk-through that runs as printed, on two Redis servers", {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(root, "test", "docs", ".several-backends-"));
    try {
      const file = join(dir, "routing.ts");
      const source = codeUnder("Walk-through")
        .replace('"necrostack"', JSON.stringify(join(root, "src", "index.ts")))
        .replace('"necrostack/redis"', JSON.stringify(join(root, "src", "redis.ts")))
        .replaceAll("redis://localhost:6380", a.url)
        .replaceAll("redis://localhost:6381", b.url);
      writeFileSync(file, source);
      const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", file], {
        cwd: root,
        env: { ...process.env, NECROSTACK_LOG_LEVEL: "warn" },
        encoding: "utf8",
      });
      expect(stdout).toBe("audited o-1, o-2, o-3\nforwarded 3 to the audit server\n");
      const redis = rawClient(b.url);
      try {
        expect(await redis.xlen("necrostack:events")).toBe(3);
      } finally {
        redis.disconnect();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
