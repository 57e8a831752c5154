import { describe, expect, it } from "vitest";
import {
  BackendUnavailableError,
  Event,
  NecroStackError,
  Spine,
  type SpineOptions,
} from "../../src/index.js";
import { ScriptedBackend } from "./support/backends.js";
import { captureLogs } from "./support/logs.js";
import { organ } from "./support/organs.js";

class PullFailed extends Error {
  constructor(call: number) {
    super(`pull ${call} failed`);
  }
}

function spineOn(backend: ScriptedBackend, options: Partial<SpineOptions> = {}) {
  const seen: string[] = [];
  const spine: Spine = new Spine({
    organs: [organ("Sink", ["A"], (e) => void seen.push(e.id))],
    backend,
    logger: false,
    pollTimeoutMs: 5,
    ...options,
  });
  return { spine, seen };
}

async function unavailable(run: Promise<unknown>): Promise<BackendUnavailableError> {
  const error = await run.then(
    () => {
      throw new Error("expected run to reject");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BackendUnavailableError);
  return error as BackendUnavailableError;
}

describe("Spine backend failures", () => {
  it("logs and counts failed pulls and goes on once the backend recovers", async () => {
    const logs = captureLogs("warn");
    const backend = new ScriptedBackend({
      onPull: (call) => {
        if (call <= 2) throw new PullFailed(call);
      },
    });
    const { spine, seen } = spineOn(backend, { logger: logs.logger });
    const start = new Event("A");
    const stats = await spine.run(start);
    expect(seen).toEqual([start.id]);
    expect(stats.backendErrors).toBe(2);
    const errors = logs.records().filter((r) => r.level === "ERROR");
    expect(errors.map((r) => r.error)).toEqual(["pull 1 failed", "pull 2 failed"]);
  });

  it.each([["idle"], ["stopped"]] as const)(
    "rejects run with BackendUnavailableError after maxConsecutiveBackendFailures failed pulls in a row (until %s)",
    async (until) => {
      const backend = new ScriptedBackend({
        onPull: (call) => {
          throw new PullFailed(call);
        },
      });
      const { spine } = spineOn(backend, { maxConsecutiveBackendFailures: 3 });
      const error = await unavailable(spine.run(undefined, { until }));
      expect(error).toBeInstanceOf(NecroStackError);
      expect(error.failures).toBe(3);
      expect(error.lastError).toBeInstanceOf(PullFailed);
      expect(error.cause).toBe(error.lastError);
      expect((error.lastError as Error).message).toBe("pull 3 failed");
      expect(error.message).toContain("3 consecutive failures");
      expect(backend.pullCalls).toBe(3);
    },
  );

  it("counts only failures in a row: a successful pull starts the count again", async () => {
    // Every third pull succeeds (three events, then an empty pull ends the run): never 3 failures in a row.
    const backend = new ScriptedBackend({
      onPull: (call) => {
        if (call % 3 !== 0) throw new PullFailed(call);
      },
    });
    const spine: Spine = new Spine({
      organs: [
        organ("Chain", ["A"], (e) =>
          (e.payload.n as number) < 2
            ? new Event("A", { n: (e.payload.n as number) + 1 })
            : undefined,
        ),
      ],
      backend,
      logger: false,
      pollTimeoutMs: 5,
      maxConsecutiveBackendFailures: 3,
    });
    const stats = await spine.run(new Event("A", { n: 0 }));
    expect(stats.eventsProcessed).toBe(3);
    expect(stats.backendErrors).toBe(8);
    expect(backend.pullCalls).toBe(12);
  });

  it("logs and counts a failed ack and goes on", async () => {
    class AckFails extends ScriptedBackend {
      override async ack(): Promise<void> {
        throw new Error("ack lost");
      }
    }
    const logs = captureLogs("warn");
    const backend = new AckFails();
    const { spine, seen } = spineOn(backend, { logger: logs.logger });
    const stats = await spine.run([new Event("A"), new Event("A")]);
    expect(seen).toHaveLength(2);
    expect(stats.backendErrors).toBe(2);
    expect(logs.records().filter((r) => r.error === "ack lost")).toHaveLength(2);
  });
});
