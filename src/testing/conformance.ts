/**
 * The conformance suite every Backend runs: the `Backend` contract for all, and the promises of
 * each capability the backend declares. Run it from a vitest test file:
 *
 * ```ts
 * import { runBackendConformance } from "necrostack/testing";
 * runBackendConformance({ name: "MyBackend", features: { ... }, newQueue: async () => ({ ... }) });
 * ```
 *
 * See docs/testing.md.
 */
import { afterEach, describe } from "vitest";
import { capabilityTests } from "./capability-tests.js";
import { contractTests } from "./contract-tests.js";
import { Harness } from "./harness.js";
import type { ConformanceTarget } from "./target.js";

/**
 * Declares the suite, `Backend conformance: <name>`, in the calling test file. Tests of a
 * capability the backend does not declare, or of a feature the target does not have, are
 * skipped with a note saying which.
 */
export function runBackendConformance(target: ConformanceTarget): void {
  const harness = new Harness(target);
  describe(`Backend conformance: ${target.name}`, () => {
    afterEach(() => harness.closeAll());
    describe("the contract", () => contractTests(harness));
    describe("declared capabilities", () => capabilityTests(harness));
  });
}
