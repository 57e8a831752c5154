import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadOrgansModule, OrgansModuleError } from "../../src/cli/organs-module.js";
import { Event } from "../../src/index.js";

const fixtures = fileURLToPath(new URL("../fixtures/organs/", import.meta.url));

/** The organs of a fixture module. */
async function loadOrgans(path: string, cwd: string) {
  return (await loadOrgansModule(path, cwd)).organs;
}

describe("loadOrgansModule", () => {
  it("takes a default export array in its order, constructing the classes in it", async () => {
    const organs = await loadOrgans("default-array.ts", fixtures);
    expect(organs.map((o) => o.name)).toEqual(["First", "Second"]);
    expect(organs[1]?.handle(new Event("PING"))).toBeInstanceOf(Event);
  });

  it("takes named Organ subclasses and instances, in alphabetical order of export name", async () => {
    const organs = await loadOrgans("named-exports.ts", fixtures);
    // "Zeta" sorts before "alpha": module namespaces order names by code unit.
    expect(organs.map((o) => o.name)).toEqual(["Zeta", "Alpha"]);
  });

  it("resolves a relative path against the given directory and accepts an absolute one", async () => {
    const relative = await loadOrgans("./organs/default-array.ts", `${fixtures}..`);
    const absolute = await loadOrgans(`${fixtures}default-array.ts`, "/");
    expect(relative.map((o) => o.name)).toEqual(absolute.map((o) => o.name));
  });

  it("names the file it looked for when the module does not exist", async () => {
    const error = await loadOrgans("missing.js", fixtures).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrgansModuleError);
    expect((error as Error).message).toContain("missing.js: no such file");
    expect((error as Error).message).toContain(`${fixtures}missing.js`);
  });

  it("lists what a module exports when none of it is an organ", async () => {
    await expect(loadOrgans("no-organs.ts", fixtures)).rejects.toThrow(
      /exports no organ \(exports: VERSION, helper\)/,
    );
  });

  it("reports the module's own error when importing it throws", async () => {
    const error = await loadOrgans("throws-on-import.ts", fixtures).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrgansModuleError);
    expect((error as Error).message).toContain("failed to import: DATABASE_URL is not set");
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it("names the element of a default array that is not an organ", async () => {
    await expect(loadOrgans("bad-default.ts", fixtures)).rejects.toThrow(
      /export default\[1\] is not an organ .*got `\{"listensTo":\["PING"\]\}` \(object\)/,
    );
  });

  it("returns the module's close export, and nothing when it has none", async () => {
    const withClose = await loadOrgansModule("with-close.ts", fixtures);
    expect(withClose.organs.map((o) => o.name)).toEqual(["Closable"]);
    expect(typeof withClose.close).toBe("function");
    expect(await withClose.close?.()).toBe("closed");
    expect((await loadOrgansModule("default-array.ts", fixtures)).close).toBeUndefined();
  });

  it("rejects a close export that is not a function", async () => {
    await expect(loadOrgansModule("bad-close.ts", fixtures)).rejects.toThrow(
      /export close must be a function \(called when the worker stops\), got `true` \(boolean\)/,
    );
  });

  it("says which class could not be constructed with no arguments", async () => {
    await expect(loadOrgans("needs-arguments.ts", fixtures)).rejects.toThrow(
      /export NeedsConfig \(class NeedsConfig\) could not be constructed with no arguments/,
    );
  });
});
