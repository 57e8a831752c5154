import { describe, expect, it } from "vitest";
import { capabilityProblems } from "../../src/core/capabilities.js";
import {
  type Backend,
  type BackendCapabilities,
  type Event,
  InMemoryBackend,
} from "../../src/index.js";

const NONE: BackendCapabilities = {
  durable: false,
  atomicCommit: false,
  synchronous: false,
  delayedRelease: false,
  deadLetter: false,
  redelivery: false,
};

/** A backend with the three required methods and what `extra` adds. */
function backend(
  capabilities: Partial<BackendCapabilities>,
  extra: Partial<Backend> = {},
): Backend {
  return {
    capabilities: { ...NONE, ...capabilities },
    enqueue: async () => {},
    pull: async () => null,
    ack: async () => {},
    ...extra,
  };
}

describe("capabilityProblems", () => {
  it("finds nothing wrong with the in-memory backend, or with a backend that declares nothing", () => {
    expect(capabilityProblems(new InMemoryBackend())).toEqual([]);
    expect(capabilityProblems(backend({}))).toEqual([]);
  });

  it("names each capability declared without the method it needs", () => {
    expect(
      capabilityProblems(
        backend({ atomicCommit: true, redelivery: true, deadLetter: true, synchronous: true }),
      ),
    ).toEqual([
      "declares `atomicCommit` but has no `commit()`",
      "declares `redelivery` but has no `release()`",
      "declares `redelivery` but has no `deliveryAttempt()`",
      "declares `deadLetter` but has no `nack()`",
      "declares `synchronous` but has no `sync.pull()`",
      "declares `synchronous` but has no `sync.enqueue()`",
      "declares `synchronous` but has no `sync.ack()`",
    ]);
  });

  it("requires redelivery with delayedRelease, and synchronous with sync", () => {
    const sync = { pull: () => undefined, enqueue: () => {}, ack: () => {} };
    expect(capabilityProblems(backend({ delayedRelease: true }, { sync }))).toEqual([
      "declares `delayedRelease` without `redelivery`",
      "has `sync` but does not declare `synchronous`",
    ]);
  });

  it("refuses capabilities that are missing or not booleans", () => {
    const missing = { enqueue: async () => {}, pull: async () => null, ack: async () => {} };
    expect(capabilityProblems(missing as unknown as Backend)).toEqual([
      "has no `capabilities` object (got undefined)",
    ]);
    const loose = backend({ durable: "yes" as unknown as boolean });
    expect(capabilityProblems(loose)).toEqual(["declares `durable` as string, not a boolean"]);
  });

  it("accepts a backend whose declared capabilities are all backed", () => {
    const full = backend(
      { atomicCommit: true, redelivery: true, delayedRelease: true, deadLetter: true },
      {
        commit: async () => {},
        release: async () => {},
        deliveryAttempt: (_event: Event) => 1,
        nack: async () => {},
      },
    );
    expect(capabilityProblems(full)).toEqual([]);
  });
});
