/** The README's catalog example runs as printed and prints what the README says. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

function codeUnder(heading: string): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf(`## ${heading}\n`);
  if (start === -1) throw new Error(`README has no "## ${heading}" section`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (match?.[1] === undefined) throw new Error(`README's "${heading}" has no ts block`);
  return match[1];
}

describe("README: Event catalog and schemas", () => {
  it("runs as printed: upcasts the old event, pays the new one, and keeps the invalid one aside", () => {
    const dir = mkdtempSync(join(root, "test", "schema", ".readme-"));
    try {
      const file = join(dir, "catalog.ts");
      const source = join(root, "src", "index.ts");
      writeFileSync(
        file,
        codeUnder("Event catalog and schemas").replace('"necrostack"', JSON.stringify(source)),
      );
      const out = execFileSync(process.execPath, ["--import", "tsx", file], {
        cwd: root,
        env: { ...process.env, NECROSTACK_LOG_LEVEL: "warn" },
        encoding: "utf8",
      });
      const lines = out.trimEnd().split("\n");
      expect(lines.slice(0, 2)).toEqual(["o-0: paid 5 EUR", "o-1: paid 30 USD"]);
      expect(lines[2]).toMatch(
        /^schema ReceivedEventInvalidError: ORDER_PLACED \(.+\) fails its schema \(version 1\): payload\.total: /,
      );
      expect(lines).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
