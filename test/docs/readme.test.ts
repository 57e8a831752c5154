import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The first ```ts block under a `## heading`. */
function codeUnder(heading: string): string {
  const start = readme.indexOf(`## ${heading}\n`);
  if (start === -1) throw new Error(`README has no "## ${heading}" section`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (match?.[1] === undefined) throw new Error(`README's "${heading}" has no ts block`);
  return match[1];
}

describe("README", () => {
  it("shows a full example that runs as printed and logs what it says", () => {
    const dir = mkdtempSync(join(root, "test", "docs", ".readme-"));
    try {
      const file = join(dir, "example.ts");
      const source = join(root, "src", "index.ts");
      writeFileSync(
        file,
        codeUnder("A full example").replace('"necrostack"', JSON.stringify(source)),
      );
      const out = execFileSync(process.execPath, ["--import", "tsx", file], {
        cwd: root,
        env: { ...process.env, NECROSTACK_LOG_LEVEL: "warn" },
        encoding: "utf8",
      });
      expect(out).toBe("receipt for o-1\n2\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("shows middleware, context, headers and decorators in an example that runs as printed", () => {
    const dir = mkdtempSync(join(root, "test", "docs", ".readme-"));
    try {
      const file = join(dir, "pipeline.ts");
      const source = join(root, "src", "index.ts");
      writeFileSync(
        file,
        codeUnder("Middleware, context, headers and decorators").replace(
          '"necrostack"',
          JSON.stringify(source),
        ),
      );
      const out = execFileSync(process.execPath, ["--import", "tsx", file], {
        cwd: root,
        env: { ...process.env, NECROSTACK_LOG_LEVEL: "warn" },
        encoding: "utf8",
      });
      expect(out).toBe("receipt for o-2 (tenant acme, hop 1)\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
