/**
 * Tracing across processes: a producer (this process) and three `necrostack worker --otel`
 * processes, each with an OpenTelemetry SDK preloaded that writes its spans to a file, each
 * handling one step of A -> B -> C on one Redis stream (each in its own consumer group, as
 * separate services reading one stream are). The chain must be one trace.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { afterAll, afterEach, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { createTracing } from "../../src/otel.js";
import { RedisBackend } from "../../src/redis.js";
import { WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { only, testSdk } from "./support.js";

const SDK_SETUP = fileURLToPath(new URL("./fixtures/span-file-sdk.mjs", import.meta.url));
const EXAMPLE_SETUP = fileURLToPath(new URL("../../examples/tracing/tracing.mjs", import.meta.url));
const ORGANS = "test/otel/fixtures/chain-organs.ts";

/** A span as the preloaded SDK writes it. */
interface SpanLine {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly attributes: Record<string, unknown>;
  readonly status: { code: number; message?: string };
  readonly events: string[];
  readonly scope: string;
}

function readSpans(file: string): SpanLine[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as SpanLine);
}

describeRedis("necrostack worker --otel", () => {
  const fixture = usePrivateRedis();
  const dir = mkdtempSync(join(tmpdir(), "necrostack-otel-"));
  afterEach(() => WorkerProcess.killAll());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function worker(step: "A" | "B" | "C", stream: string, spansFile: string): WorkerProcess {
    return WorkerProcess.start({
      redisUrl: fixture.server.url,
      organs: ORGANS,
      args: [
        "--stream",
        stream,
        "--group",
        `step-${step}`,
        "--consumer",
        `worker-${step}`,
        "--otel",
      ],
      env: {
        FIXTURE_ORGAN: step,
        NECROSTACK_SPANS_FILE: spansFile,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${SDK_SETUP}`.trim(),
      },
    });
  }

  it("makes a chain A -> B -> C handled by three worker processes one trace, each span the child of the one before", {
    timeout: 90_000,
  }, async () => {
    const stream = `otel:${randomUUID()}`;
    const files = { A: join(dir, "a.jsonl"), B: join(dir, "b.jsonl"), C: join(dir, "c.jsonl") };
    const workers = (["A", "B", "C"] as const).map((step) => worker(step, stream, files[step]));
    await Promise.all(workers.map((w) => w.listening()));

    const sdk = testSdk();
    const tracing = await createTracing({
      backend: new RedisBackend({ redisUrl: fixture.server.url, streamKey: stream, logger: false }),
      tracerProvider: sdk.provider,
      propagator: sdk.propagator,
    });
    const producer = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey: stream,
      logger: false,
    });
    const start = new Event("A", { order: "o-1" });
    await tracing.enqueue(producer, start);
    await producer.close();

    await waitUntil(
      "worker C has recorded its process span",
      async () => readSpans(files.C).some((s) => s.name === "process C"),
      { timeoutMs: 60_000 },
    );
    for (const w of workers) w.signal("SIGTERM");
    await Promise.all(workers.map((w) => w.exitsCleanly(20_000)));

    const sendA = only(sdk.spans(), `send ${stream}`);
    const spansA = readSpans(files.A);
    const spansB = readSpans(files.B);
    const spansC = readSpans(files.C);
    // Each worker recorded only its own step: the others' events are not routed there.
    expect(spansA.map((s) => s.name)).toEqual(["process A", `send ${stream}`]);
    expect(spansB.map((s) => s.name)).toEqual(["process B", `send ${stream}`]);
    expect(spansC.map((s) => s.name)).toEqual(["process C"]);
    const [processA, sendB] = spansA as [SpanLine, SpanLine];
    const [processB, sendC] = spansB as [SpanLine, SpanLine];
    const [processC] = spansC as [SpanLine];

    // One trace, each span the child of the one before, across four processes.
    const traceId = sendA.spanContext().traceId;
    for (const span of [processA, sendB, processB, sendC, processC]) {
      expect(span.traceId).toBe(traceId);
      expect(span.scope).toBe("necrostack");
      expect(span.status).toEqual({ code: SpanStatusCode.UNSET });
    }
    expect(processA.parentSpanId).toBe(sendA.spanContext().spanId);
    expect(sendB.parentSpanId).toBe(processA.spanId);
    expect(processB.parentSpanId).toBe(sendB.spanId);
    expect(sendC.parentSpanId).toBe(processB.spanId);
    expect(processC.parentSpanId).toBe(sendC.spanId);
    expect([processA, processB, processC].map((s) => s.kind)).toEqual([
      SpanKind.CONSUMER,
      SpanKind.CONSUMER,
      SpanKind.CONSUMER,
    ]);
    expect([sendA.kind, sendB.kind, sendC.kind]).toEqual([
      SpanKind.PRODUCER,
      SpanKind.PRODUCER,
      SpanKind.PRODUCER,
    ]);

    const b = sendB.attributes["messaging.message.id"];
    const c = sendC.attributes["messaging.message.id"];
    expect(sendA.attributes).toEqual({
      "messaging.system": "redis",
      "messaging.operation.type": "send",
      "messaging.operation.name": "send",
      "messaging.destination.name": stream,
      "messaging.message.id": start.id,
      "messaging.message.conversation_id": start.id,
      "necrostack.event_type": "A",
      "necrostack.hop": 0,
      "necrostack.correlation_id": start.id,
    });
    expect(processA.attributes).toEqual({
      "messaging.system": "redis",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": stream,
      "messaging.consumer.group.name": "step-A",
      "messaging.client.id": "worker-A",
      "messaging.message.id": start.id,
      "messaging.message.conversation_id": start.id,
      "necrostack.organ": "OrganA",
      "necrostack.hop": 0,
      "necrostack.correlation_id": start.id,
    });
    expect(sendB.attributes).toEqual({
      "messaging.system": "redis",
      "messaging.operation.type": "send",
      "messaging.operation.name": "send",
      "messaging.destination.name": stream,
      "messaging.message.id": b,
      "messaging.message.conversation_id": start.id,
      "necrostack.event_type": "B",
      "necrostack.organ": "OrganA",
      "necrostack.hop": 1,
      "necrostack.correlation_id": start.id,
    });
    expect(processB.attributes).toEqual({
      "messaging.system": "redis",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": stream,
      "messaging.consumer.group.name": "step-B",
      "messaging.client.id": "worker-B",
      "messaging.message.id": b,
      "messaging.message.conversation_id": start.id,
      "necrostack.organ": "OrganB",
      "necrostack.hop": 1,
      "necrostack.correlation_id": start.id,
    });
    expect(sendC.attributes).toMatchObject({
      "messaging.message.id": c,
      "necrostack.event_type": "C",
      "necrostack.organ": "OrganB",
      "necrostack.hop": 2,
    });
    expect(processC.attributes).toEqual({
      "messaging.system": "redis",
      "messaging.operation.type": "process",
      "messaging.operation.name": "process",
      "messaging.destination.name": stream,
      "messaging.consumer.group.name": "step-C",
      "messaging.client.id": "worker-C",
      "messaging.message.id": c,
      "messaging.message.conversation_id": start.id,
      "necrostack.organ": "OrganC",
      "necrostack.hop": 2,
      "necrostack.correlation_id": start.id,
    });
    expect(new Set([start.id, b, c]).size).toBe(3);
  });

  it("prints the worker's spans with the example setup (examples/tracing/tracing.mjs)", {
    timeout: 60_000,
  }, async () => {
    const stream = `otel:${randomUUID()}`;
    const w = WorkerProcess.start({
      redisUrl: fixture.server.url,
      organs: ORGANS,
      args: ["--stream", stream, "--otel"],
      env: {
        FIXTURE_ORGAN: "C",
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${EXAMPLE_SETUP}`.trim(),
      },
    });
    await w.listening();
    const producer = new RedisBackend({
      redisUrl: fixture.server.url,
      streamKey: stream,
      logger: false,
    });
    await producer.enqueue(new Event("C"));
    await producer.close();
    await w.waitForStdout(/name: 'process C'/, 20_000);
    expect(w.stdout).toContain("'messaging.system': 'redis'");
    w.signal("SIGTERM");
    await w.exitsCleanly(20_000);
  });

  it("warns that nothing is recorded when no SDK is registered in the worker", {
    timeout: 60_000,
  }, async () => {
    const w = WorkerProcess.start({
      redisUrl: fixture.server.url,
      organs: ORGANS,
      args: ["--stream", `otel:${randomUUID()}`, "--otel"],
      env: { FIXTURE_ORGAN: "A" },
    });
    await w.listening();
    await w.waitForStderr(/--otel: no OpenTelemetry SDK is registered in this process/, 10_000);
    w.signal("SIGTERM");
    await w.exitsCleanly(20_000);
  });
});
