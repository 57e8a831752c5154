/**
 * Builds the dashboard's front end into dist/dashboard/assets/: one JavaScript bundle (app.js),
 * one stylesheet (app.css), an icon, and the HTML shell every page loads (index.html), which holds no
 * inline script or style, so a Content-Security-Policy of `script-src 'self'` serves it.
 * Run by `npm run build` after tsc; prints each file's size, raw and gzipped. An argument names
 * another output directory (the browser tests build into a temporary one).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ui = join(root, "src/dashboard/ui");
const out = process.argv[2] ?? join(root, "dist/dashboard/assets");
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
for (const file of ["index.html", "favicon.svg"]) {
  writeFileSync(join(out, file), readFileSync(join(ui, file)));
}

for (const file of ["app.js", "app.css", "index.html", "favicon.svg"]) {
  const bytes = readFileSync(join(out, file));
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `${relative(root, join(out, file))}: ${kib(bytes.length)} (${kib(gzipSync(bytes).length)} gzipped)`,
  );
}
