/**
 * The child side of {@link runInChild}: `child-entry.ts <module path> <export> <JSON args>`.
 * Sends `{ ok, result | error }` to the parent and exits.
 */
import { pathToFileURL } from "node:url";
import type { ChildMessage } from "./child.js";

type Task = (args: unknown) => Promise<unknown>;

async function main(): Promise<ChildMessage> {
  const [modulePath, exportName, json] = process.argv.slice(2);
  if (modulePath === undefined || exportName === undefined || json === undefined) {
    return { ok: false, error: "usage: child-entry.ts <module path> <export> <JSON args>" };
  }
  const module = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  const task = module[exportName];
  if (typeof task !== "function") {
    return { ok: false, error: `${modulePath} has no exported function ${exportName}` };
  }
  try {
    return { ok: true, result: await (task as Task)(JSON.parse(json)) };
  } catch (error) {
    return {
      ok: false,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
}

const message = await main();
process.send?.(message, () => process.exit(0));
