/**
 * The dashboard on PostgreSQL: PostgresInspector against a private cluster holding what real
 * workers left: dead letters of a failing organ, rows leased by a worker that never finishes,
 * rows waiting, and (with retentionMs) the archive of handled ones.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { PostgresInspector } from "../../src/backends/postgres/inspector.js";
import { createDashboard, type Dashboard } from "../../src/dashboard.js";
import { Event, type Organ, organ, Spine } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { waitUntil } from "../helpers/wait.js";
import { getJson, postJson } from "./fixture.js";

const STREAM = "orders";
const HELD = "held";

interface Row {
  entryId: string;
  id: string;
  eventType: string;
  headers: Record<string, string>;
  payload: Record<string, unknown>;
}

describePostgres("Dashboard API on PostgreSQL", () => {
  const pg = usePrivatePostgres();
  let dashboard: Dashboard;
  let csrf: string;
  const down = { payments: true };
  let releaseHeld = (): void => {};
  let stopHeld: () => Promise<void> = async () => {};

  function worker(stream: string, organs: readonly Organ[], extra: { retentionMs?: number } = {}) {
    const backend = new PostgresBackend({
      url: pg.server.url,
      stream,
      maxRetries: 1,
      leaseMs: 60_000,
      pollIntervalMs: 20,
      logger: false,
      ...extra,
    });
    const spine = new Spine({
      organs,
      backend,
      logger: false,
      handlerFailureMode: "nack",
      maxSteps: Number.POSITIVE_INFINITY,
      pollTimeoutMs: 50,
    });
    const run = spine.run();
    return {
      backend,
      stop: async () => {
        spine.stop();
        await run;
        await backend.close();
      },
    };
  }

  beforeAll(async () => {
    const producer = new PostgresBackend({
      url: pg.server.url,
      stream: STREAM,
      logger: false,
      retentionMs: 3_600_000,
    });
    for (let i = 0; i < 10; i++)
      await producer.enqueue(new Event("ORDER_PLACED", { order: i, fail: i % 4 === 0 }));
    await producer.close();
    const shop = worker(
      STREAM,
      [
        organ(
          "checkout",
          ["ORDER_PLACED"],
          (event: Event<"ORDER_PLACED", { order: number; fail: boolean }>) => [
            new Event("PAYMENT_REQUESTED", {
              order: event.payload.order,
              fail: event.payload.fail,
            }),
          ],
        ),
        organ(
          "payments",
          ["PAYMENT_REQUESTED"],
          (event: Event<"PAYMENT_REQUESTED", { order: number; fail: boolean }>) => {
            if (event.payload.fail && down.payments)
              throw new Error(`gateway down for ${event.payload.order}`);
            return [];
          },
        ),
      ],
      { retentionMs: 3_600_000 },
    );
    await waitUntil(
      "the orders settled",
      async () => {
        const dead = await pg.pool.query(
          `SELECT count(*)::int AS n FROM necrostack.${STREAM}_dead`,
        );
        const left = await pg.pool.query(`SELECT count(*)::int AS n FROM necrostack.${STREAM}`);
        return dead.rows[0].n === 3 && left.rows[0].n === 0;
      },
      20_000,
    );
    await shop.stop();

    // A stream whose worker leases rows and never finishes them.
    const heldProducer = new PostgresBackend({ url: pg.server.url, stream: HELD, logger: false });
    for (let i = 0; i < 5; i++) await heldProducer.enqueue(new Event("SLOW", { i }));
    await heldProducer.close();
    const gate = new Promise<void>((resolve) => {
      releaseHeld = resolve;
    });
    const held = worker(HELD, [
      organ("slow", ["SLOW"], async () => {
        await gate;
        return [];
      }),
    ]);
    await waitUntil("rows leased", async () => {
      const r = await pg.pool.query(
        `SELECT count(*)::int AS n FROM necrostack.${HELD} WHERE lease_owner IS NOT NULL`,
      );
      return r.rows[0].n >= 1;
    });
    stopHeld = held.stop;

    dashboard = createDashboard({
      inspector: new PostgresInspector({ url: pg.server.url }),
      allowWrites: true,
    });
    csrf = (await getJson<{ csrfToken: string }>(dashboard.fetch, "/api/session")).body.csrfToken;
  }, 90_000);

  afterAll(async () => {
    releaseHeld();
    await stopHeld();
    await dashboard?.close();
  });

  it("says it is PostgreSQL, with leases instead of consumer groups", async () => {
    const { body } = await getJson<{
      backend: { kind: string; url: string; capabilities: Record<string, boolean> };
    }>(dashboard.fetch, "/api/session");
    expect(body.backend.kind).toBe("postgres");
    expect(body.backend.capabilities).toEqual({
      consumerGroups: false,
      keepsHandled: false,
      repairDeadLetters: true,
    });
  });

  it("lists the streams of the schema with their counts", async () => {
    const { body } = await getJson<{
      streams: { name: string; length: number; deadLetters: number; pending: number }[];
    }>(dashboard.fetch, "/api/overview");
    expect(body.streams.map((s) => s.name)).toEqual([HELD, STREAM]);
    expect(body.streams.find((s) => s.name === STREAM)).toMatchObject({
      length: 0,
      deadLetters: 3,
    });
    expect(body.streams.find((s) => s.name === HELD)?.pending).toBeGreaterThanOrEqual(1);
  });

  it("shows lease owners as the consumers of one group, with their leased rows", async () => {
    const { body } = await getJson<{
      groups: {
        name: string;
        consumers: { name: string; pending: number; flagged: boolean }[];
        oldestPending: { entryId: string; eventId: string; deliveries: number }[];
      }[];
    }>(dashboard.fetch, `/api/streams/${HELD}`);
    expect(body.groups.map((g) => g.name)).toEqual(["leases"]);
    const group = body.groups[0];
    expect(group?.consumers[0]?.pending).toBeGreaterThanOrEqual(1);
    // Its lease is live: not idle, not flagged.
    expect(group?.consumers[0]?.flagged).toBe(false);
    expect(group?.oldestPending[0]).toMatchObject({
      deliveries: 1,
      eventId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
  });

  it("browses handled events through the archive, newest first, and searches them", async () => {
    const page = await getJson<{ events: Row[]; next: string | null }>(
      dashboard.fetch,
      `/api/streams/${STREAM}/events?limit=5`,
    );
    expect(page.body.events.length).toBe(5);
    const seqs = page.body.events.map((e) => Number(e.entryId));
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(page.body.next).not.toBeNull();
    const found = await getJson<{ events: Row[]; complete: boolean }>(
      dashboard.fetch,
      `/api/streams/${STREAM}/search?path=order&equals=5&type=ORDER_PLACED`,
    );
    expect(found.body.events.map((e) => e.payload.order)).toEqual([5]);
    expect(found.body.complete).toBe(true);
    // A time range bounds the search too: nothing was stored in the next hour.
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = await getJson<{ events: Row[]; searched: number }>(
      dashboard.fetch,
      `/api/streams/${STREAM}/search?path=order&equals=5&since=${future}`,
    );
    expect(later.body).toMatchObject({ events: [], searched: 0 });
  });

  it("builds a causation tree across the archive and the dead letters", async () => {
    const found = await getJson<{ events: Row[] }>(
      dashboard.fetch,
      `/api/streams/${STREAM}/search?path=order&equals=4&type=ORDER_PLACED`,
    );
    const order = found.body.events[0] as Row;
    const tree = await getJson<{
      root: string;
      nodes: { event: Row; location: string; parent: string | null }[];
    }>(dashboard.fetch, `/api/streams/${STREAM}/events/${order.id}/tree`);
    expect(tree.status).toBe(200);
    const payment = tree.body.nodes.find((n) => n.event.eventType === "PAYMENT_REQUESTED");
    expect(payment).toMatchObject({ parent: order.id, location: "dead-letters" });
  });

  it("requeues a dead letter atomically, and a worker handles it", async () => {
    const dead = await getJson<{
      items: { entryId: string; event: Row | null; reasonKind: string }[];
      reasons: { kind: string; count: number }[];
    }>(dashboard.fetch, `/api/streams/${STREAM}/dead-letters`);
    expect(dead.body.reasons).toEqual([{ kind: "retries-exhausted", count: 3 }]);
    const item = dead.body.items[0];
    if (item?.event == null) throw new Error("expected a dead letter");
    const { status, body } = await postJson<{
      requeued: { entryId: string; eventId: string; newEntryId: string }[];
      missing: string[];
    }>(
      dashboard.fetch,
      `/api/streams/${STREAM}/dead-letters/requeue`,
      { entryIds: [item.entryId, "999999"] },
      { "x-csrf-token": csrf },
    );
    expect(status).toBe(200);
    expect(body.requeued).toEqual([
      { entryId: item.entryId, eventId: item.event.id, newEntryId: expect.any(String) },
    ]);
    expect(body.missing).toEqual(["999999"]);
    const row = await pg.pool.query(
      `SELECT id, headers, attempt FROM necrostack.${STREAM} WHERE seq = $1`,
      [body.requeued[0]?.newEntryId],
    );
    expect(row.rows[0]).toMatchObject({ id: item.event.id, attempt: 0 });
    expect(row.rows[0].headers["requeued-from"]).toBe(item.entryId);
    const gone = await pg.pool.query(
      `SELECT count(*)::int AS n FROM necrostack.${STREAM}_dead WHERE seq = $1`,
      [item.entryId],
    );
    expect(gone.rows[0].n).toBe(0);

    down.payments = false;
    const shop = worker(STREAM, [organ("payments", ["PAYMENT_REQUESTED"], () => [])], {
      retentionMs: 3_600_000,
    });
    try {
      await waitUntil("the requeued event handled", async () => {
        const r = await pg.pool.query(`SELECT count(*)::int AS n FROM necrostack.${STREAM}`);
        return r.rows[0].n === 0;
      });
    } finally {
      await shop.stop();
    }
  });

  it("deletes dead letters, and refuses ids that are not row seqs", async () => {
    const dead = await getJson<{ items: { entryId: string }[] }>(
      dashboard.fetch,
      `/api/streams/${STREAM}/dead-letters`,
    );
    const ids = dead.body.items.map((i) => i.entryId);
    const deleted = await postJson(
      dashboard.fetch,
      `/api/streams/${STREAM}/dead-letters/delete`,
      { entryIds: ids },
      { "x-csrf-token": csrf },
    );
    expect(deleted.body).toEqual({ deleted: ids, missing: [] });
    const bad = await postJson(
      dashboard.fetch,
      `/api/streams/${STREAM}/dead-letters/delete`,
      { entryIds: ["1; DROP TABLE x"] },
      { "x-csrf-token": csrf },
    );
    expect(bad.status).toBe(400);
  });

  it("serves a PostgresBackend's own stream when given the backend", async () => {
    const backend = new PostgresBackend({ url: pg.server.url, stream: HELD, logger: false });
    const own = createDashboard({ backend });
    try {
      const { body } = await getJson<{ streams: { name: string }[] }>(own.fetch, "/api/overview");
      expect(body.streams.map((s) => s.name)).toEqual([HELD]);
    } finally {
      await own.close();
      await backend.close();
    }
  });

  it("reads a stream that does not exist as empty", async () => {
    const { status, body } = await getJson<{ length: number; groups: unknown[] }>(
      dashboard.fetch,
      "/api/streams/nothing-here",
    );
    expect(status).toBe(200);
    expect(body.length).toBe(0);
    const events = await getJson<{ events: unknown[]; next: null }>(
      dashboard.fetch,
      "/api/streams/nothing-here/events",
    );
    expect(events.body).toEqual({ events: [], next: null, scanned: 0 });
  });
});
