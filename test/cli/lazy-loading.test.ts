import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Modules a module loads when it is imported: its static, non-type-only imports. */
function staticImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const specifiers: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+"([^"]+)"/gm,
    /^\s*import\s+"([^"]+)"/gm,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) specifiers.push(match[1] as string);
  }
  return specifiers;
}

/** Every module loaded by importing `entries`: project files relative to the root, packages by name. */
function closure(entries: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = entries.map((entry) => join(ROOT, entry));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    const name = relative(ROOT, file);
    if (seen.has(name)) continue;
    seen.add(name);
    for (const specifier of staticImports(file)) {
      if (specifier.startsWith(".")) {
        queue.push(resolve(dirname(file), specifier).replace(/\.js$/, ".ts"));
      } else {
        seen.add(specifier);
      }
    }
  }
  return seen;
}

describe("necrostack demo seance", () => {
  // What `demo seance` imports: the CLI, then (dynamically) the demo command, then the demo.
  const loaded = closure(["src/cli.ts", "src/cli/demo.ts", "src/cli/demo-seance.ts"]);

  it("loads the Séance, the core and pino", () => {
    expect(loaded).toContain("src/apps/seance/main.ts");
    expect(loaded).toContain("src/core/spine.ts");
    expect(loaded).toContain("pino");
  });

  it("never loads ioredis, the Redis backend, other commands or the ETL demo", () => {
    const unwanted = [...loaded].filter(
      (name) =>
        name.includes("ioredis") ||
        name.includes("redis") ||
        name.startsWith("src/apps/etl/") ||
        ["src/cli/worker.ts", "src/cli/enqueue.ts", "src/cli/demo-etl.ts"].includes(name),
    );
    expect(unwanted).toEqual([]);
  });
});

describe("necrostack worker and enqueue", () => {
  // The commands as the CLI loads them, before a URL has chosen a backend.
  const loaded = closure(["src/cli.ts", "src/cli/worker.ts", "src/cli/enqueue.ts"]);

  it("load neither backend nor its driver until a URL chooses one", () => {
    const unwanted = [...loaded].filter(
      (name) =>
        ["ioredis", "pg", "src/redis.ts", "src/postgres.ts"].includes(name) ||
        name.startsWith("src/backends/"),
    );
    expect(unwanted).toEqual([]);
  });

  it.each([
    ["postgres://127.0.0.1:1/app", ["pg"]],
    ["redis://127.0.0.1:1", ["ioredis"]],
  ])("load only the driver of the backend a URL chooses (%s)", (url, drivers) => {
    const result = spawnSync(
      process.execPath,
      [
        ...["--import", "tsx", "test/fixtures/cli-loaded-drivers.ts"],
        ...["enqueue", "--backend", url, "--type", "JOB", "--timeout-ms", "500"],
      ],
      { cwd: ROOT, encoding: "utf8", timeout: 20_000 },
    );
    // Exit 1: nothing listens on port 1, so the enqueue fails after loading its backend.
    expect(JSON.parse(result.stdout)).toEqual({ code: 1, drivers });
  });
});
