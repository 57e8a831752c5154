/**
 * Builds the dashboard's front end into dist/dashboard/assets/: one JavaScript bundle (app.js),
 * one stylesheet (app.css) and the HTML shell every page loads (index.html), which holds no
 * inline script or style, so a Content-Security-Policy of `script-src 'self'` serves it.
 * Run by `npm run build` after tsc; prints each file's size, raw and gzipped.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ui = join(root, "src/dashboard/ui");
const out = join(root, "dist/dashboard/assets");
mkdirSync(out, { recursive: true });

const common = { bundle: true, minify: true, legalComments: "none", logLevel: "warning" };
await build({
  ...common,
  entryPoints: [join(ui, "main.ts")],
  outfile: join(out, "app.js"),
  format: "esm",
  target: "es2022",
  platform: "browser",
  tsconfig: join(ui, "tsconfig.json"),
});
await build({ ...common, entryPoints: [join(ui, "styles.css")], outfile: join(out, "app.css") });
writeFileSync(join(out, "index.html"), readFileSync(join(ui, "index.html")));

for (const file of ["app.js", "app.css", "index.html"]) {
  const bytes = readFileSync(join(out, file));
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `${relative(root, join(out, file))}: ${kib(bytes.length)} (${kib(gzipSync(bytes).length)} gzipped)`,
  );
}
