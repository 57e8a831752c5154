/** The package's version, read from its package.json when asked for. */
import { readFileSync } from "node:fs";

/**
 * This module sits two folders below the package root both as source (`src/cli`) and built
 * (`dist/cli`), so one relative URL finds package.json from either.
 */
const PACKAGE_JSON = new URL("../../package.json", import.meta.url);

export function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(PACKAGE_JSON, "utf8")) as { version?: unknown };
  return typeof version === "string" ? version : "unknown";
}
