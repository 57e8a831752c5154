import { fileURLToPath } from "node:url";
import { transform } from "esbuild";
import { defineConfig, type Plugin } from "vitest/config";

const src = (file: string): string => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

/**
 * Vite 8 compiles TypeScript with Oxc, which leaves standard (TC39) decorators as written, and
 * Node 20 cannot parse them: esbuild lowers them first, in files that have any.
 */
const lowerDecorators: Plugin = {
  name: "necrostack:lower-decorators",
  enforce: "pre",
  async transform(code, id) {
    const file = id.split("?")[0] ?? id;
    if (!/\.[cm]?ts$/.test(file) || !/^\s*@[\w$]/m.test(code)) return null;
    const out = await transform(code, {
      loader: "ts",
      target: "es2022",
      format: "esm",
      sourcemap: "external",
      sourcefile: file,
    });
    return { code: out.code, map: out.map };
  },
};

export default defineConfig({
  plugins: [lowerDecorators],
  resolve: {
    // Examples import the package by name, as users do; tests run them against the source.
    alias: [
      { find: /^necrostack\/redis$/, replacement: src("redis.ts") },
      { find: /^necrostack\/testing$/, replacement: src("testing.ts") },
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
