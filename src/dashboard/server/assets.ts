/**
 * The built front end: `index.html` (the shell every page loads), `app.js`, `app.css`, read from
 * the directory `npm run build` writes (dist/dashboard/assets). Files are read once and kept:
 * the directory holds a handful of small files, and only names found in it are served, so no
 * request path reaches the file system.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A file to serve. */
export interface Asset {
  readonly body: Uint8Array;
  readonly type: string;
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
};

/** The most bytes of assets kept in memory. */
const MAX_BYTES = 16 * 1024 * 1024;

/**
 * Shown when the front end was not built (running from a checkout before `npm run build`): the
 * API works; the pages need the build. No script, nothing from the request.
 */
const FALLBACK_SHELL = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>NecroStack dashboard</title></head>
<body><h1>NecroStack dashboard</h1>
<p>The front end is not built: run <code>npm run build</code>. The API answers under <code>/api/</code> (see docs/dashboard-api.md).</p>
</body></html>
`;

export class Assets {
  readonly #files = new Map<string, Asset>();
  readonly shell: Asset;
  /** Where the files were read from; undefined when none were found. */
  readonly dir: string | undefined;

  constructor(dir: string | undefined) {
    this.dir = dir ?? defaultDir();
    let bytes = 0;
    if (this.dir !== undefined) {
      for (const name of readdirSync(this.dir)) {
        const path = join(this.dir, name);
        const type = TYPES[extname(name).toLowerCase()];
        if (type === undefined || !statSync(path).isFile()) continue;
        const body = readFileSync(path);
        bytes += body.length;
        if (bytes > MAX_BYTES) break;
        this.#files.set(name, { body, type });
      }
    }
    this.shell = this.#files.get("index.html") ?? {
      body: new TextEncoder().encode(FALLBACK_SHELL),
      type: TYPES[".html"] as string,
    };
  }

  /** The file named `name` (a plain file name under /assets/), or undefined. */
  get(name: string): Asset | undefined {
    return this.#files.get(name);
  }
}

/** The package's built assets, next to the built server or, from a checkout, under dist/. */
function defaultDir(): string | undefined {
  for (const relative of ["../assets/", "../../../dist/dashboard/assets/"]) {
    const dir = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(join(dir, "index.html"))) return dir;
  }
  return undefined;
}
