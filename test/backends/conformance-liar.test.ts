/**
 * The conformance suite holds a backend to what it declares: one that claims a capability it
 * does not have fails the suite. Run as a separate vitest process on a throwaway test file, since
 * the failure is the point.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const src = (file: string): string => JSON.stringify(join(root, "src", file));

describe("The conformance suite (necrostack/testing)", () => {
  it("fails a backend that declares redelivery but never delivers a released event again", {
    timeout: 60_000,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), "necrostack-liar-"));
    try {
      writeFileSync(
        join(dir, "liar.test.ts"),
        `import { InMemoryBackend } from ${src("index.ts")};
import { runBackendConformance } from ${src("testing.ts")};

/** Says it redelivers; its release drops the event. */
class Liar extends InMemoryBackend {
  override readonly capabilities = { ...new InMemoryBackend().capabilities, redelivery: true };
  async release(): Promise<void> {}
  deliveryAttempt(): number {
    return 1;
  }
}

runBackendConformance({
  name: "Liar",
  features: { consumerGroups: false, guaranteedOrder: true },
  async newQueue() {
    const backend = new Liar();
    return { open: () => backend };
  },
});
`,
      );
      writeFileSync(
        join(dir, "vitest.config.mjs"),
        `export default { test: { include: ["liar.test.ts"] } };\n`,
      );
      const run = spawnSync(
        process.execPath,
        [join(root, "node_modules", "vitest", "vitest.mjs"), "run", "--root", dir],
        { cwd: dir, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
      );
      const output = `${run.stdout}${run.stderr}`;
      expect(run.status, output).toBe(1);
      // The capability's own tests fail; the contract every backend keeps still passes.
      expect(output).toMatch(/FAIL .*redelivery/i);
      expect(output).toMatch(/Tests\s+\d+ failed \| \d+ passed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
