import { describe, expect, it } from "vitest";
import {
  EnqueueFailureMode,
  HandlerFailureMode,
  InMemoryBackend,
  InvalidOptionError,
  NecroStackError,
  Spine,
  type SpineOptions,
} from "../../src/index.js";

function optionError(options: Partial<SpineOptions> | unknown): InvalidOptionError {
  try {
    new Spine({
      organs: [],
      backend: new InMemoryBackend(),
      logger: false,
      ...(options as object),
    });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error("expected the Spine to reject the options");
}

describe("Spine options", () => {
  it("exports the failure modes as const objects of lower-case strings", () => {
    expect(EnqueueFailureMode).toEqual({ FAIL: "fail", RETRY: "retry", STORE: "store" });
    expect(HandlerFailureMode).toEqual({ LOG: "log", STORE: "store", NACK: "nack" });
  });

  it.each([
    ["concurrency", 0, "Expected `concurrency` to be an integer >= 1, got `0` (number)"],
    ["concurrency", 1.5, "`concurrency`"],
    ["maxSteps", 0, "Expected `maxSteps` to be an integer >= 1 or Infinity, got `0` (number)"],
    ["maxSteps", -1, "`maxSteps`"],
    ["retryAttempts", -1, "a non-negative integer"],
    ["retryBaseDelayMs", Number.NaN, "`retryBaseDelayMs`"],
    ["handlerTimeoutMs", 0, "`handlerTimeoutMs`"],
    ["maxConsecutiveBackendFailures", 0, "`maxConsecutiveBackendFailures`"],
    ["pollTimeoutMs", "5", "got `5` (string)"],
    ["maxFailedEvents", -5, "`maxFailedEvents`"],
    ["handlerTimeoutMs", 2 ** 31, "at most 2147483647"],
    ["pollTimeoutMs", 2 ** 31, "at most 2147483647"],
    ["retryBaseDelayMs", 2 ** 31, "at most 2147483647"],
    ["dedupe", "yes", "Expected `dedupe` to be a boolean"],
    ["enqueueFailureMode", "explode", 'one of "fail", "retry", "store", got `explode` (string)'],
    ["handlerFailureMode", "STORE", 'one of "log", "store", "nack"'],
  ])("rejects %s = %j with an InvalidOptionError naming it", (option, value, text) => {
    const error = optionError({ [option]: value });
    expect(error.option).toBe(option);
    expect(error.message).toContain(text);
    expect(error).toBeInstanceOf(NecroStackError);
    expect(error.code).toBe("ERR_INVALID_OPTION");
  });

  it("rejects organs that are not an array", () => {
    expect(optionError({ organs: {} }).option).toBe("organs");
  });

  it("rejects a backend without enqueue, pull and ack", () => {
    expect(optionError({ backend: { enqueue: async () => {} } }).message).toContain(
      "a Backend (with enqueue, pull and ack)",
    );
  });

  it("accepts Infinity for maxSteps and handlerTimeoutMs", () => {
    expect(
      () =>
        new Spine({
          organs: [],
          backend: new InMemoryBackend(),
          logger: false,
          maxSteps: Number.POSITIVE_INFINITY,
          handlerTimeoutMs: Number.POSITIVE_INFINITY,
        }),
    ).not.toThrow();
  });

  it("accepts the modes as constants or as their strings", () => {
    for (const options of [
      { enqueueFailureMode: EnqueueFailureMode.RETRY, handlerFailureMode: HandlerFailureMode.NACK },
      { enqueueFailureMode: "retry", handlerFailureMode: "nack" },
    ] as const) {
      expect(
        () => new Spine({ organs: [], backend: new InMemoryBackend(), logger: false, ...options }),
      ).not.toThrow();
    }
  });
});
