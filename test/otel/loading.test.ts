/**
 * `@opentelemetry/api` is an optional peer dependency: only `necrostack/otel` may load it, and
 * only when `createTracing()` runs. Checked on the modules' static imports.
 */
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** A module's static, non-type-only imports. */
function staticImports(file: string): string[] {
  const source = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const pattern of [
    /^\s*(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+"([^"]+)"/gm,
    /^\s*import\s+"([^"]+)"/gm,
  ]) {
    for (const match of source.matchAll(pattern)) found.push(match[1] as string);
  }
  return found;
}

/** Every module loaded by importing `entry`: project files relative to the root, packages by name. */
function closure(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [join(ROOT, entry)];
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

const otelModules = (loaded: Set<string>) =>
  [...loaded].filter((name) => name.startsWith("@opentelemetry/") || name.startsWith("src/otel"));

describe("loading @opentelemetry/api", () => {
  it("is never done by the core entry", () => {
    expect(otelModules(closure("src/index.ts"))).toEqual([]);
  });

  it("is never done by the worker command unless --otel asks for it (a dynamic import)", () => {
    expect(otelModules(closure("src/cli/worker.ts"))).toEqual([]);
    expect(readFileSync(join(ROOT, "src/cli/worker.ts"), "utf8")).toContain(
      'await import("../otel.js")',
    );
  });

  it("is done by necrostack/otel only when createTracing() runs, not when it is imported", () => {
    const loaded = closure("src/otel.ts");
    expect(loaded).toContain("src/otel/tracing.ts");
    expect([...loaded].filter((name) => name.startsWith("@opentelemetry/"))).toEqual([]);
    expect(readFileSync(join(ROOT, "src/otel/api.ts"), "utf8")).toContain(
      'import("@opentelemetry/api")',
    );
  });
});
