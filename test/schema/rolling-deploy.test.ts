/**
 * A rolling deploy of a schema version bump, with real processes on one Redis stream: a worker
 * built from catalog version 1 and one built from version 2 share a consumer group. Events of
 * version 2 reach the old worker before any new worker runs: it releases them, unhandled, and the
 * new worker handles them once it starts. Version 1 events are read by both (the new worker
 * upcasts them). Nothing is dead-lettered and every event is handled once.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { uniqueKey, waitUntil } from "../fault/support.js";
import { ROOT } from "../fixtures/worker-process.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { catalog as v2 } from "./fixtures/orders-v2.js";

interface Line {
  readonly consumer: string;
  readonly kind: "listening" | "handled" | "released" | "dead-lettered";
  readonly id?: string;
  readonly version?: string;
  readonly payload?: Record<string, unknown>;
  readonly reason?: string;
}

/** One orders-worker process and the JSON lines it printed. */
class OrdersWorker {
  readonly lines: Line[] = [];
  stderr = "";
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;

  constructor(redisUrl: string, streamKey: string, consumer: string, version: 1 | 2) {
    this.#child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "test/schema/fixtures/orders-worker.ts",
        redisUrl,
        streamKey,
        consumer,
        String(version),
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let pending = "";
    this.#child.stdout?.on("data", (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const part of parts) if (part.trim() !== "") this.lines.push(JSON.parse(part) as Line);
    });
    this.#child.stderr?.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => this.#child.once("exit", (code) => resolve(code)));
    running.add(this);
  }

  of(kind: Line["kind"]): Line[] {
    return this.lines.filter((l) => l.kind === kind);
  }

  async listening(): Promise<void> {
    await waitUntil(`${this.describe()} to listen`, () => this.of("listening").length > 0, 30_000);
  }

  describe(): string {
    return `worker (stderr: ${this.stderr.slice(-2_000)})`;
  }

  async stop(): Promise<number | null> {
    this.#child.kill("SIGTERM");
    const code = await this.exited;
    running.delete(this);
    return code;
  }

  kill(): void {
    this.#child.kill("SIGKILL");
  }
}

const running = new Set<OrdersWorker>();

describeRedis("A rolling deploy of a schema version bump", () => {
  const fixture = usePrivateRedis();
  afterEach(() => {
    for (const worker of running) worker.kill();
    running.clear();
  });

  it("lets old and new workers share a stream: the old one releases the new version, the new one handles it and upcasts the old", async () => {
    const streamKey = uniqueKey("rolling-deploy");
    const url = fixture.server.url;
    const producer = new RedisBackend({ redisUrl: url, streamKey, logger: false });
    try {
      // 1. Only the old deploy runs: it pays placed orders at version 1.
      const old = new OrdersWorker(url, streamKey, "old", 1);
      await old.listening();
      const placed = Array.from(
        { length: 5 },
        (_, i) => new Event("ORDER_PLACED", { orderId: `placed-${i}`, total: i + 1 }),
      );
      for (const event of placed) await producer.enqueue(event);
      await waitUntil("the old worker to pay 5 orders", () => old.of("handled").length === 5);
      expect(
        old.of("handled").every((l) => l.version === "1" && l.payload?.currency === undefined),
      ).toBe(true);

      // 2. A new producer ships ORDER_PAID version 2 before any new worker runs.
      const newer = Array.from({ length: 5 }, (_, i) =>
        v2.event("ORDER_PAID", { orderId: `v2-${i}`, amount: i, currency: "GBP" }),
      );
      for (const event of newer) await producer.enqueue(event);
      const newerIds = new Set(newer.map((e) => e.id));
      await waitUntil(
        "the old worker to release every version 2 event",
        () => new Set(old.of("released").map((l) => l.id)).size === 5,
      );
      expect(old.of("handled").some((l) => newerIds.has(l.id ?? ""))).toBe(false);
      expect(old.of("released")[0]?.reason).toContain(
        "has schema-version 2; this worker's catalog knows ORDER_PAID up to version 1",
      );

      // 3. The new deploy starts beside the old one; old producers still send version 1.
      const fresh = new OrdersWorker(url, streamKey, "new", 2);
      await fresh.listening();
      const oldPaid = Array.from(
        { length: 5 },
        (_, i) => new Event("ORDER_PAID", { orderId: `v1-${i}`, amount: i }),
      );
      for (const event of oldPaid) await producer.enqueue(event);
      await waitUntil(
        "the new worker to handle every version 2 event",
        () => fresh.of("handled").filter((l) => newerIds.has(l.id ?? "")).length === 5,
        20_000,
      );
      const oldPaidIds = new Set(oldPaid.map((e) => e.id));
      const handledIds = () =>
        [...old.of("handled"), ...fresh.of("handled")]
          .map((l) => l.id)
          .filter((id) => oldPaidIds.has(id ?? ""));
      await waitUntil("every version 1 event to be handled", () => handledIds().length === 5);

      // 4. The old deploy is stopped; the new one pays the next orders at version 2.
      expect(await old.stop()).toBe(0);
      const later = Array.from(
        { length: 3 },
        (_, i) => new Event("ORDER_PLACED", { orderId: `later-${i}`, total: 10 + i }),
      );
      for (const event of later) await producer.enqueue(event);
      await waitUntil(
        "the new worker to pay the last orders",
        () =>
          fresh.of("handled").filter((l) => String(l.payload?.orderId).startsWith("later-"))
            .length === 3,
      );
      expect(await fresh.stop()).toBe(0);

      // The new worker read every event at version 2: its own, and the old ones upcast.
      for (const line of fresh.of("handled")) {
        expect(line.version).toBe("2");
        expect(typeof line.payload?.currency).toBe("string");
      }
      for (const line of fresh.of("handled").filter((l) => oldPaidIds.has(l.id ?? ""))) {
        expect(line.payload?.currency).toBe("EUR");
      }
      // The old worker never handled a version it does not know.
      for (const line of old.of("handled")) expect(line.version).toBe("1");
      // Every event handled once; nothing dead-lettered.
      const all = [...old.of("handled"), ...fresh.of("handled")].map((l) => l.id);
      expect(new Set(all).size).toBe(all.length);
      expect(all).toHaveLength(5 + 5 + 5 + 3);
      expect([...old.of("dead-lettered"), ...fresh.of("dead-lettered")]).toEqual([]);
      expect(await fixture.redis.xlen(`${streamKey}:dlq`)).toBe(0);
    } finally {
      await producer.close();
    }
  });
});
