import { afterEach, describe, expect, it, vi } from "vitest";
import { handleStopSignals } from "../../src/cli/stop-signals.js";

// SIGUSR2 stands in for SIGTERM/SIGINT: emitting it calls only the listeners, and the test
// runner does not listen to it.
const SIGNAL = "SIGUSR2";

function setup(timeoutMs = 1_000) {
  const calls: string[] = [];
  const handle = handleStopSignals({
    signals: [SIGNAL],
    timeoutMs,
    onStop: (signal) => calls.push(`stop ${signal}`),
    onForce: (reason, code) => calls.push(`force ${code}: ${reason}`),
  });
  return { calls, handle };
}

describe("handleStopSignals", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("asks for a graceful stop on the first signal and forces an exit on the second", () => {
    const { calls, handle } = setup();
    process.emit(SIGNAL, SIGNAL);
    expect(calls).toEqual([`stop ${SIGNAL}`]);
    process.emit(SIGNAL, SIGNAL);
    expect(calls).toEqual([`stop ${SIGNAL}`, `force 1: received ${SIGNAL} again`]);
    handle[Symbol.dispose]();
  });

  it("forces an exit with code 1 once the stop outlasts its deadline", () => {
    vi.useFakeTimers();
    const { calls, handle } = setup(500);
    process.emit(SIGNAL, SIGNAL);
    vi.advanceTimersByTime(499);
    expect(calls).toEqual([`stop ${SIGNAL}`]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([`stop ${SIGNAL}`, "force 1: did not stop within 500 ms"]);
    handle[Symbol.dispose]();
  });

  it("removes its listeners and its deadline when disposed", () => {
    vi.useFakeTimers();
    const before = process.listenerCount(SIGNAL);
    const { calls, handle } = setup(500);
    expect(process.listenerCount(SIGNAL)).toBe(before + 1);
    process.emit(SIGNAL, SIGNAL);
    handle[Symbol.dispose]();
    expect(process.listenerCount(SIGNAL)).toBe(before);
    vi.advanceTimersByTime(10_000);
    expect(calls).toEqual([`stop ${SIGNAL}`]);
  });
});
