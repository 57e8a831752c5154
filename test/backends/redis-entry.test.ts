import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { IoredisMissingError } from "../../src/redis.js";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../../src");
const IMPORT =
  /(?:import|export)\s[^"']*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every package a module reaches through its static and dynamic imports. */
function packagesReachedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const specifier = (match[1] ?? match[2]) as string;
      if (specifier.startsWith("."))
        visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
      else packages.add(specifier);
    }
  };
  visit(resolve(SRC, entry));
  return packages;
}

describe("The necrostack/redis entry", () => {
  it("is the only entry that loads ioredis: the core entry never does", () => {
    expect(packagesReachedFrom("redis.ts")).toContain("ioredis");
    expect(packagesReachedFrom("index.ts")).not.toContain("ioredis");
  });

  it("tells users to install ioredis when it cannot be loaded", () => {
    const error = new IoredisMissingError(new Error("Cannot find package 'ioredis'"));
    expect(error.code).toBe("ERR_IOREDIS_MISSING");
    expect(error.message).toMatch(/npm install ioredis/);
    expect(error.message).toContain("Cannot find package 'ioredis'");
  });
});
