import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");
const PRINTED_URL = "postgres://app@localhost:5432/app";

/** The first ```ts block under `## heading`. */
function codeUnder(heading: string): string {
  const start = readme.indexOf(`## ${heading}\n`);
  if (start === -1) throw new Error(`README has no "## ${heading}" section`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (match?.[1] === undefined) throw new Error(`README's "${heading}" has no ts block`);
  return match[1];
}

describePostgres("README: Running workers on PostgreSQL", () => {
  const pg = usePrivatePostgres();

  it("runs the outbox example as printed: the order and its event are committed together", async () => {
    await pg.pool.query("CREATE TABLE orders (id text PRIMARY KEY, total int NOT NULL)");
    const code = codeUnder("Running workers on PostgreSQL");
    expect(code).toContain(PRINTED_URL);
    const dir = mkdtempSync(join(root, "test", "docs", ".readme-pg-"));
    try {
      const file = join(dir, "outbox.ts");
      writeFileSync(
        file,
        code
          .replace(PRINTED_URL, pg.server.url)
          .replace('"necrostack"', JSON.stringify(join(root, "src", "index.ts")))
          .replace('"necrostack/postgres"', JSON.stringify(join(root, "src", "postgres.ts"))),
      );
      await promisify(execFile)(process.execPath, ["--import", "tsx", file], {
        cwd: root,
        env: { ...process.env, NECROSTACK_LOG_LEVEL: "warn" },
        timeout: 60_000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const { rows: orders } = await pg.pool.query("SELECT id, total FROM orders");
    expect(orders).toEqual([{ id: "o-1", total: 42 }]);
    const { rows: events } = await pg.pool.query(
      "SELECT event_type, payload FROM necrostack.orders",
    );
    expect(events).toEqual([
      { event_type: "ORDER_PLACED", payload: { orderId: "o-1", total: 42 } },
    ]);
  });
});
