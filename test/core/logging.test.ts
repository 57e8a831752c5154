import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import {
  createLogger,
  EnqueueFailureMode,
  Event,
  InMemoryBackend,
  InvalidOptionError,
  Spine,
  type SpineOptions,
} from "../../src/index.js";
import { ScriptedBackend } from "./support/backends.js";
import { type CapturedLogs, captureLogs } from "./support/logs.js";
import { organ } from "./support/organs.js";

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function runChain(logs: CapturedLogs, options: Partial<SpineOptions> = {}) {
  const start = new Event("ORDER_PLACED", { orderId: "o-1" });
  const spine = new Spine({
    organs: [
      organ("Billing", ["ORDER_PLACED"], () => [new Event("INVOICED"), new Event("NOTIFIED")]),
    ],
    backend: new InMemoryBackend(),
    logger: logs.logger,
    ...options,
  });
  await spine.run(start);
  return start;
}

describe("Logs", () => {
  it("writes one JSON object per line", async () => {
    const logs = captureLogs();
    await runChain(logs);
    expect(logs.raw.length).toBeGreaterThan(0);
    for (const line of logs.raw) {
      expect(line.endsWith("\n")).toBe(true);
      expect(line.slice(0, -1)).not.toContain("\n");
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });

  it("logs a dispatch at INFO with timestamp, level, message, logger, event_id, event_type and organ", async () => {
    const logs = captureLogs();
    const start = await runChain(logs);
    const dispatch = logs.records().find((r) => String(r.message).startsWith("Dispatching"));
    expect(dispatch).toMatchObject({
      level: "INFO",
      logger: "necrostack.spine",
      event_id: start.id,
      event_type: "ORDER_PLACED",
      organ: "Billing",
    });
    expect(dispatch?.timestamp).toMatch(ISO_UTC);
    expect(String(dispatch?.message)).toContain("Billing");
  });

  it("logs an emission at INFO with the list of emitted event types", async () => {
    const logs = captureLogs();
    const start = await runChain(logs);
    const emitted = logs.records().find((r) => Array.isArray(r.emitted));
    expect(emitted).toMatchObject({
      level: "INFO",
      logger: "necrostack.spine",
      event_id: start.id,
      event_type: "ORDER_PLACED",
      organ: "Billing",
      emitted: ["INVOICED", "NOTIFIED"],
    });
  });

  it("writes each field once per line", async () => {
    const logs = captureLogs();
    await runChain(logs);
    for (const line of logs.raw) {
      for (const field of ["timestamp", "level", "message", "logger"]) {
        expect(line.split(`"${field}":`)).toHaveLength(2);
      }
    }
  });

  it("logs a handler failure at ERROR with the organ and the error message", async () => {
    const logs = captureLogs();
    const start = new Event("A");
    await new Spine({
      organs: [
        organ("Broken", ["A"], () => {
          throw new Error("disk full");
        }),
      ],
      backend: new InMemoryBackend(),
      logger: logs.logger,
    }).run(start);
    const failure = logs.records().find((r) => r.level === "ERROR");
    expect(failure).toMatchObject({
      event_id: start.id,
      event_type: "A",
      organ: "Broken",
      error: "disk full",
    });
    expect(String(failure?.message)).toContain("disk full");
  });

  it("logs an enqueue failure kept in the store at WARN", async () => {
    const logs = captureLogs();
    await runChain(logs, { backend: new InMemoryBackend({ maxSize: 1 }) });
    const warning = logs.records().find((r) => r.level === "WARN");
    expect(warning).toMatchObject({ event_type: "NOTIFIED", logger: "necrostack.spine" });
    expect(String(warning?.error)).toContain("Backend is full");
  });

  it("writes no info lines at level warn", async () => {
    const logs = captureLogs("warn");
    await runChain(logs);
    expect(logs.raw).toEqual([]);
  });

  it("writes nothing with logger: false", async () => {
    const lines: string[] = [];
    const original = process.stderr.write;
    process.stderr.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await runChain(captureLogs(), { logger: false });
    } finally {
      process.stderr.write = original;
    }
    expect(lines).toEqual([]);
  });

  it("logs through a pino logger the caller passes, as its child named necrostack.spine", async () => {
    const lines: string[] = [];
    const own = pino({ base: { app: "shop" } }, { write: (line: string) => void lines.push(line) });
    await runChain(captureLogs(), { logger: own });
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.length).toBeGreaterThan(0);
    for (const record of records)
      expect(record).toMatchObject({ app: "shop", logger: "necrostack.spine" });
  });

  describe("secrets", () => {
    const password = fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=%-]{6,24}$/);

    it("never writes the password of a URL in a handler's error", async () => {
      await fc.assert(
        fc.asyncProperty(password, async (secret) => {
          const logs = captureLogs();
          await new Spine({
            organs: [
              organ("Db", ["A"], async () => {
                throw new Error(`cannot reach redis://app:${secret}@cache.internal:6379/0`);
              }),
            ],
            backend: new InMemoryBackend(),
            logger: logs.logger,
          }).run(new Event("A"));
          const text = logs.raw.join("");
          expect(text).toContain("redis://app:***@cache.internal:6379/0");
          expect(text).not.toContain(secret);
        }),
      );
    });

    it.each([["fail"], ["retry"], ["store"]] as const)(
      "never writes the password of a URL in an enqueue error (mode %s)",
      async (mode) => {
        const secret = "s3cr3t-Pa55";
        const logs = captureLogs();
        const backend = new ScriptedBackend({
          onEnqueue: (event) => {
            if (event.eventType === "B")
              throw new Error(`write to amqp://svc:${secret}@mq:5672 failed`);
          },
        });
        const spine = new Spine({
          organs: [organ("Emit", ["A"], () => new Event("B"))],
          backend,
          logger: logs.logger,
          pollTimeoutMs: 5,
          retryBaseDelayMs: 1,
          retryAttempts: 1,
          enqueueFailureMode: EnqueueFailureMode[mode.toUpperCase() as "FAIL"],
        });
        await spine.run(new Event("A")).catch(() => undefined);
        expect(logs.raw.length).toBeGreaterThan(0);
        expect(logs.raw.join("")).not.toContain(secret);
      },
    );

    it("never writes the password of a URL in a backend pull error", async () => {
      const secret = "hunter2hunter2";
      const logs = captureLogs();
      const backend = new ScriptedBackend({
        onPull: () => {
          throw new Error(`connection to redis://:${secret}@10.0.0.5:6379 refused`);
        },
      });
      const spine = new Spine({
        organs: [],
        backend,
        logger: logs.logger,
        pollTimeoutMs: 5,
        maxConsecutiveBackendFailures: 2,
      });
      await spine.run().catch(() => undefined);
      expect(logs.raw.length).toBe(2);
      expect(logs.raw.join("")).not.toContain(secret);
    });
  });
});

describe("Logs by default", () => {
  const index = fileURLToPath(new URL("../../src/index.ts", import.meta.url));
  const script = `
    import { Event, InMemoryBackend, Organ, Spine } from ${JSON.stringify(index)};
    class Echo extends Organ {
      listensTo = ["PING"];
      handle(event) { return new Event("PONG"); }
    }
    await new Spine({ organs: [new Echo()], backend: new InMemoryBackend() }).run(new Event("PING"));
  `;

  function runScript(level?: string) {
    const env = { ...process.env };
    delete env.NECROSTACK_LOG_LEVEL;
    if (level !== undefined) env.NECROSTACK_LOG_LEVEL = level;
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        env,
        encoding: "utf8",
        timeout: 20_000,
      },
    );
    expect(child.status).toBe(0);
    return child;
  }

  it("go to stderr as JSON lines at info, and nothing goes to stdout", () => {
    const child = runScript();
    expect(child.stdout).toBe("");
    const records = child.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => r.message)).toEqual([
      "Dispatching PING to Echo",
      "Organ Echo emitted 1 event",
      "No organ listens to PONG; acked",
    ]);
    for (const record of records)
      expect(record).toMatchObject({ level: "INFO", logger: "necrostack.spine" });
  });

  it("follow NECROSTACK_LOG_LEVEL", () => {
    expect(runScript("warn").stderr).toBe("");
  });
});

describe("createLogger", () => {
  const saved = process.env.NECROSTACK_LOG_LEVEL;
  afterEach(() => {
    if (saved === undefined) delete process.env.NECROSTACK_LOG_LEVEL;
    else process.env.NECROSTACK_LOG_LEVEL = saved;
  });

  function levelOf(): string {
    return createLogger({ destination: { write: () => undefined } }).level;
  }

  it('logs at "info" when NECROSTACK_LOG_LEVEL is not set', () => {
    delete process.env.NECROSTACK_LOG_LEVEL;
    expect(levelOf()).toBe("info");
  });

  it("takes its level from NECROSTACK_LOG_LEVEL, in any case, with WARNING as warn", () => {
    process.env.NECROSTACK_LOG_LEVEL = "ERROR";
    expect(levelOf()).toBe("error");
    process.env.NECROSTACK_LOG_LEVEL = "WARNING";
    expect(levelOf()).toBe("warn");
  });

  it("rejects an unknown NECROSTACK_LOG_LEVEL with an InvalidOptionError naming the variable", () => {
    process.env.NECROSTACK_LOG_LEVEL = "loud";
    expect(levelOf).toThrow(InvalidOptionError);
    expect(levelOf).toThrow("NECROSTACK_LOG_LEVEL");
  });

  it("names its lines after the name option", () => {
    const lines: string[] = [];
    createLogger({
      name: "billing",
      level: "info",
      destination: { write: (l: string) => void lines.push(l) },
    }).info("hello");
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      logger: "billing",
      level: "INFO",
      message: "hello",
    });
  });
});
