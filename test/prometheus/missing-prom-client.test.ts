/**
 * Without prom-client installed: a copy of the sources beside a node_modules holding every
 * package of this checkout but prom-client, loaded in a child process.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("createMetrics without prom-client", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "necrostack-no-prom-client-"));
    cpSync(join(ROOT, "src"), join(dir, "src"), { recursive: true });
    cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
    mkdirSync(join(dir, "node_modules"));
    for (const name of readdirSync(join(ROOT, "node_modules"))) {
      if (name === "prom-client") continue;
      symlinkSync(join(ROOT, "node_modules", name), join(dir, "node_modules", name));
    }
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("throws PromClientMissingError saying to install it, while the core entry still loads", () => {
    const script = `
      const core = await import("./src/index.ts");
      const { createMetrics } = await import("./src/prometheus.ts");
      try { createMetrics(); console.log("no error"); }
      catch (e) { console.log(JSON.stringify({ core: typeof core.Spine, name: e.name, code: e.code, message: e.message })); }
    `;
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: dir,
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({
      core: "function",
      name: "PromClientMissingError",
      code: "ERR_PROM_CLIENT_MISSING",
      message:
        "createMetrics() needs the prom-client package (>=15), which could not be loaded: install it with `npm install prom-client` (Cannot find module 'prom-client')",
    });
  });
});
