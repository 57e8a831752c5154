/**
 * What each declared capability needs a backend to have. One list, so the Spine (refusing a
 * backend that declares what it cannot back) and the conformance suite (`necrostack/testing`)
 * hold backends to the same rules. It checks the shape only; the suite checks the behaviour.
 */
import type { Backend, BackendCapabilities } from "./backend.js";

/** Every capability a backend declares, in the order they are documented. */
export const CAPABILITY_NAMES = [
  "durable",
  "atomicCommit",
  "synchronous",
  "delayedRelease",
  "deadLetter",
  "redelivery",
] as const satisfies readonly (keyof BackendCapabilities)[];

/**
 * What is wrong with `backend`'s declaration, one sentence each, or `[]`: a capability that is
 * not a boolean, or one declared without the methods it needs (`synchronous` and `sync` go
 * together both ways).
 */
export function capabilityProblems(backend: Backend): string[] {
  const declared: unknown = (backend as { capabilities?: unknown }).capabilities;
  if (typeof declared !== "object" || declared === null) {
    return [`has no \`capabilities\` object (got ${declared === null ? "null" : typeof declared})`];
  }
  const problems: string[] = [];
  const flags = declared as Record<string, unknown>;
  for (const name of CAPABILITY_NAMES) {
    if (typeof flags[name] !== "boolean") {
      problems.push(`declares \`${name}\` as ${typeof flags[name]}, not a boolean`);
    }
  }
  const caps = declared as BackendCapabilities;
  const needs = (capability: keyof BackendCapabilities, method: keyof Backend): void => {
    if (caps[capability] === true && typeof backend[method] !== "function") {
      problems.push(`declares \`${capability}\` but has no \`${method}()\``);
    }
  };
  needs("atomicCommit", "commit");
  needs("redelivery", "release");
  needs("redelivery", "deliveryAttempt");
  needs("deadLetter", "nack");
  if (caps.delayedRelease === true && caps.redelivery !== true) {
    problems.push("declares `delayedRelease` without `redelivery`");
  }
  const sync = backend.sync;
  if (caps.synchronous === true) {
    for (const op of ["pull", "enqueue", "ack"] as const) {
      if (typeof sync?.[op] !== "function") {
        problems.push(`declares \`synchronous\` but has no \`sync.${op}()\``);
      }
    }
  } else if (sync !== undefined) {
    problems.push("has `sync` but does not declare `synchronous`");
  }
  return problems;
}
