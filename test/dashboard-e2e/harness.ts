/**
 * The dashboard as an operator meets it, for the browser tests: the front end built by
 * scripts/build-dashboard.mjs (into a temporary directory, so a concurrent `npm run build` does
 * not matter), served by the real `createDashboard` on a free loopback port, over an inspector
 * of a private redis-server or PostgreSQL cluster.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createDashboard,
  type DashboardOptions,
  type StreamInspector,
} from "../../src/dashboard.js";
import { RedisInspector } from "../../src/redis.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Builds the front end into a new temporary directory; `dispose()` removes it. */
export function buildAssets(): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), "necrostack-dashboard-assets-"));
  const build = spawnSync(process.execPath, ["scripts/build-dashboard.mjs", dir], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (build.status !== 0) throw new Error(`the front end did not build:\n${build.stderr}`);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunningDashboard {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Serves `createDashboard` on a free loopback port. The inspector is the caller's: `close()` stops
 * the dashboard and the server, then closes it.
 */
export async function serveDashboard(
  options: DashboardOptions & { inspector: StreamInspector },
  port = 0,
): Promise<RunningDashboard> {
  const dashboard = createDashboard(options);
  const server = createServer(dashboard.listener);
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      await dashboard.close();
      await options.inspector.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** {@link serveDashboard} over a RedisInspector of the streams given (on `port`: 0 picks one). */
export function startDashboard(
  redisUrl: string,
  options: Omit<DashboardOptions, "inspector" | "backend"> & { streams: readonly string[] },
  port = 0,
): Promise<RunningDashboard> {
  return serveDashboard(
    { ...options, inspector: new RedisInspector({ redisUrl, streams: options.streams }) },
    port,
  );
}
