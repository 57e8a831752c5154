import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (file: string): string => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples import the package by name, as users do; tests run them against the source.
    alias: [
      { find: /^necrostack\/redis$/, replacement: src("redis.ts") },
      { find: /^necrostack$/, replacement: src("index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Redis fault tests start their own servers and processes; two cores run two files at once.
    maxWorkers: 2,
  },
});
