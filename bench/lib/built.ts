/**
 * The built package, as users get it. Benchmarks measure `dist/`, not the sources; the types come
 * from the sources so the benchmarks type-check before a build, as CI runs them.
 */
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as NecroStack from "../../src/index.js";

export type Package = typeof NecroStack;

/** The repository's root directory. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** The built entry point, `dist/index.js`. */
export const DIST_INDEX = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** Throws a clear error when the package has not been built. */
export function assertBuilt(): void {
  if (!existsSync(DIST_INDEX)) {
    throw new Error(
      `${DIST_INDEX} does not exist: run \`npm run build\` first (npm run bench does)`,
    );
  }
}

/** Imports `dist/index.js`. */
export async function loadBuilt(): Promise<Package> {
  assertBuilt();
  return (await import(pathToFileURL(DIST_INDEX).href)) as Package;
}

/** Imports a built subpath entry, `dist/<name>.js` (`redis`, `postgres`, ...), with a clear error when it is missing. */
export async function loadBuiltEntry<T>(name: string): Promise<T> {
  const path = fileURLToPath(new URL(`../../dist/${name}.js`, import.meta.url));
  if (!existsSync(path)) {
    throw new Error(`${path} does not exist: run \`npm run build\` first (npm run bench does)`);
  }
  return (await import(pathToFileURL(path).href)) as T;
}
