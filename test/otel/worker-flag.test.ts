import { describe, expect, it } from "vitest";
import { parseWorkerArgs, WORKER_USAGE } from "../../src/cli/worker.js";

const BASE = ["--organs", "organs.js", "--redis", "redis://127.0.0.1:1"];

describe("necrostack worker --otel", () => {
  it("asks for tracing with --otel", () => {
    expect(parseWorkerArgs([...BASE, "--otel"], {})).toMatchObject({ otel: true });
  });

  it("leaves tracing off without it", () => {
    expect(parseWorkerArgs(BASE, {})).not.toHaveProperty("otel");
  });

  it("is in the help, with where to read how to register an SDK", () => {
    expect(WORKER_USAGE).toMatch(/--otel\s+trace with OpenTelemetry/);
    expect(WORKER_USAGE).toContain("docs/tracing.md");
  });
});
