/**
 * The dashboard's JSON API in process, against a private redis-server holding what a real worker
 * run left: events of a chain, dead letters (failed payments and an invalid entry), and a second
 * group's worker holding entries it never finishes.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ScanOptions } from "../../src/core/inspect/inspector.js";
import { walk } from "../../src/core/inspect/walk.js";
import { createDashboard, type Dashboard } from "../../src/dashboard.js";
import { RedisBackend, RedisInspector } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { FLAKY, getJson, makeShopData, ORDERS, SCRIPT_PAYLOAD, STREAM } from "./fixture.js";

type Row = {
  entryId: string;
  id: string;
  eventType: string;
  headers: Record<string, string>;
  payload: Record<string, unknown>;
  invalid?: string;
};

describeRedis("Dashboard API on Redis", () => {
  const redis = usePrivateRedis();
  let data: Awaited<ReturnType<typeof makeShopData>>;
  let dashboard: Dashboard;
  const get = <T = Record<string, unknown>>(path: string) => getJson<T>(dashboard.fetch, path);
  const total = () => ORDERS * 3 - FLAKY.length + 1;

  beforeAll(async () => {
    data = await makeShopData(redis);
    dashboard = createDashboard({
      inspector: new RedisInspector({ redisUrl: redis.server.url }),
    });
  }, 60_000);
  afterAll(async () => {
    await dashboard?.close();
    await data?.stop();
  });

  it("lists the stream with its length, groups, pending, lag and dead letters", async () => {
    const { status, body } = await get<{
      health: { healthy: boolean };
      streams: {
        name: string;
        length: number;
        deadLetters: number;
        pending: number;
        groups: { name: string; pending: number }[];
      }[];
    }>("/api/overview");
    expect(status).toBe(200);
    expect(body.health.healthy).toBe(true);
    // The dead-letter stream is not listed as a stream of its own.
    expect(body.streams.map((s) => s.name)).toEqual([STREAM]);
    const shop = body.streams[0];
    expect(shop?.length).toBe(total());
    expect(shop?.deadLetters).toBe(FLAKY.length + 1);
    expect(shop?.groups.map((g) => g.name).sort()).toEqual(["audit", "necrostack"]);
    expect(shop?.groups.find((g) => g.name === "audit")?.pending).toBeGreaterThanOrEqual(4);
    expect(shop?.groups.find((g) => g.name === "necrostack")?.pending).toBe(0);
  });

  it("describes a group's consumers and flags one idle past staleMs that holds entries", async () => {
    const { body } = await get<{
      groups: {
        name: string;
        consumers: { name: string; pending: number; idleMs: number; flagged: boolean }[];
        oldestPending: {
          entryId: string;
          eventId?: string;
          consumer: string;
          deliveries: number;
        }[];
      }[];
    }>(`/api/streams/${STREAM}?staleMs=1`);
    const audit = body.groups.find((g) => g.name === "audit");
    const stuck = audit?.consumers.find((c) => c.name === "audit-stuck");
    expect(stuck?.pending).toBeGreaterThanOrEqual(4);
    expect(stuck?.flagged).toBe(true);
    expect(audit?.oldestPending.length).toBeGreaterThanOrEqual(4);
    expect(audit?.oldestPending[0]).toMatchObject({ consumer: "audit-stuck", deliveries: 1 });
    expect(audit?.oldestPending[0]?.eventId).toMatch(/^[0-9a-f-]{36}$/);
    // With the default threshold (60 s) nobody is flagged yet.
    const fresh = await get<typeof body>(`/api/streams/${STREAM}`);
    expect(fresh.body.groups.flatMap((g) => g.consumers).some((c) => c.flagged)).toBe(false);
  });

  it("pages events newest first, exactly limit per page, through every entry once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { body }: { body: { events: Row[]; next: string | null; scanned: number } } = await get(
        `/api/streams/${STREAM}/events?limit=7${cursor === null ? "" : `&cursor=${cursor}`}`,
      );
      expect(body.events.length).toBeLessThanOrEqual(7);
      expect(body.scanned).toBe(body.events.length);
      seen.push(...body.events.map((e) => e.entryId));
      cursor = body.next;
      pages++;
    } while (cursor !== null && pages < 50);
    expect(seen.length).toBe(total());
    expect(new Set(seen).size).toBe(seen.length);
    const sorted = [...seen].sort((a, b) => compareIds(b, a));
    expect(seen).toEqual(sorted);
  });

  it("filters by type and by a time range", async () => {
    const { body } = await get<{ events: Row[] }>(
      `/api/streams/${STREAM}/events?type=ORDER_CONFIRMED&limit=200`,
    );
    expect(body.events.length).toBe(ORDERS - FLAKY.length);
    expect(body.events.every((e) => e.eventType === "ORDER_CONFIRMED")).toBe(true);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = await get<{ events: Row[] }>(`/api/streams/${STREAM}/events?since=${future}`);
    expect(later.body.events).toEqual([]);
  });

  it("shows an entry that holds no valid event as invalid, with its stored text", async () => {
    const { body } = await get<{
      items: { event: Row | null; invalid?: string; raw?: string; reasonKind: string }[];
    }>(`/api/streams/${STREAM}/dead-letters`);
    const bad = body.items.find((item) => item.event === null);
    expect(bad?.reasonKind).toBe("invalid-event");
    expect(bad?.raw).toBe('{"id":"not-a-uuid","payload":7}');
    expect(bad?.invalid).toMatch(/id|event_type/);
  });

  it("searches payloads by path equals, path contains, and plain text, saying how far it looked", async () => {
    const equals = await get<{
      events: Row[];
      searched: number;
      complete: boolean;
      tookMs: number;
      window: number;
    }>(`/api/streams/${STREAM}/search?path=order&equals=4`);
    expect(equals.body.events.map((e) => e.eventType).sort()).toEqual([
      "ORDER_CONFIRMED",
      "ORDER_PLACED",
      "PAYMENT_REQUESTED",
    ]);
    expect(equals.body).toMatchObject({ searched: total(), complete: true, window: 100_000 });
    expect(equals.body.tookMs).toBeGreaterThanOrEqual(0);

    const contains = await get<{ events: Row[] }>(
      `/api/streams/${STREAM}/search?path=customer.name&contains=CUSTOMER-1`,
    );
    expect(
      contains.body.events.map((e) => (e.payload.customer as { name: string }).name).sort(),
    ).toEqual(["customer-1", "customer-10", "customer-11"]);

    const text = await get<{ events: Row[] }>(
      `/api/streams/${STREAM}/search?text=alert(&type=ORDER_PLACED`,
    );
    expect(text.body.events.length).toBe(1);
    const found = text.body.events[0] as Row;
    expect((found.payload.customer as { name: string }).name).toBe(SCRIPT_PAYLOAD);
  });

  it("stops a search at its window and continues from its cursor", async () => {
    const first = await get<{
      events: Row[];
      searched: number;
      complete: boolean;
      next: string | null;
    }>(`/api/streams/${STREAM}/search?text=customer&window=5`);
    expect(first.body).toMatchObject({ searched: 5, complete: false });
    expect(first.body.next).not.toBeNull();
    const rest = await get<{ searched: number; complete: boolean }>(
      `/api/streams/${STREAM}/search?text=customer&window=100000&cursor=${first.body.next}`,
    );
    expect(rest.body).toMatchObject({ searched: total() - 5, complete: true });
  });

  it("searches only the entries stored within since and until", async () => {
    type Search = { events: Row[]; searched: number; complete: boolean };
    const all = await get<Search>(`/api/streams/${STREAM}/search?path=order&equals=4`);
    const placed = all.body.events.find((e) => e.eventType === "ORDER_PLACED") as Row;
    const ms = Number(placed.entryId.split("-")[0]);
    const range = `since=${ms}&until=${new Date(ms).toISOString()}`;

    const within = await get<Search>(`/api/streams/${STREAM}/search?path=order&equals=4&${range}`);
    expect(within.body.events.map((e) => e.id)).toContain(placed.id);
    expect(within.body.events.every((e) => Number(e.entryId.split("-")[0]) === ms)).toBe(true);
    // The window counted the entries of that millisecond, and the search reached its start.
    const inRange = await get<{ events: Row[] }>(
      `/api/streams/${STREAM}/events?${range}&limit=200`,
    );
    expect(within.body).toMatchObject({ searched: inRange.body.events.length, complete: true });

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const later = await get<Search>(
      `/api/streams/${STREAM}/search?path=order&equals=4&since=${future}`,
    );
    expect(later.body).toMatchObject({ events: [], searched: 0, complete: true });
  });

  it("answers 400 naming the parameter for a malformed search or page", async () => {
    for (const path of [
      `/api/streams/${STREAM}/search?path=a..b&equals=1`,
      `/api/streams/${STREAM}/search?equals=1`,
      `/api/streams/${STREAM}/events?limit=201`,
      `/api/streams/${STREAM}/events?cursor=nonsense`,
      `/api/streams/${STREAM}/events?since=yesterday`,
    ]) {
      const { status, body } = await get<{ error: { code: string; message: string } }>(path);
      expect(status, path).toBe(400);
      expect(body.error.code).toBe("bad-request");
      expect(body.error.message).toMatch(/Expected `(path|search|limit|cursor|since)`/);
    }
  });

  it("shows one event with its stored wire JSON, and 404 for an id not found", async () => {
    const page = await get<{ events: Row[] }>(
      `/api/streams/${STREAM}/events?type=PAYMENT_REQUESTED&limit=1`,
    );
    const event = page.body.events[0] as Row;
    const { status, body } = await get<{ event: Row; wire: string; location: string }>(
      `/api/streams/${STREAM}/events/${event.id}`,
    );
    expect(status).toBe(200);
    expect(body.location).toBe("stream");
    expect(JSON.parse(body.wire)).toMatchObject({ id: event.id, event_type: "PAYMENT_REQUESTED" });
    expect(body.event.headers["causation-id"]).toBeDefined();
    const missing = await get<{ error: { code: string } }>(
      `/api/streams/${STREAM}/events/00000000-0000-4000-8000-000000000000`,
    );
    expect(missing.status).toBe(404);
  });

  it("builds the causation tree of an event, through the stream and the dead letters", async () => {
    const flaky = await get<{ events: Row[] }>(
      `/api/streams/${STREAM}/search?path=flaky&equals=true&type=ORDER_PLACED`,
    );
    const order = flaky.body.events[0] as Row;
    const tree = await get<{
      root: string;
      focus: string;
      nodes: { event: Row; location: string; parent: string | null; children: string[] }[];
      truncated: boolean;
    }>(`/api/streams/${STREAM}/events/${order.id}/tree`);
    expect(tree.status).toBe(200);
    expect(tree.body.root).toBe(order.id);
    const payment = tree.body.nodes.find((n) => n.event.eventType === "PAYMENT_REQUESTED");
    expect(payment?.parent).toBe(order.id);
    // The failed payment was dead-lettered: the tree shows it there (its newest occurrence).
    expect(payment?.location).toBe("dead-letters");
    expect(tree.body.nodes.find((n) => n.event.id === order.id)?.children).toEqual([
      payment?.event.id,
    ]);

    // Asked from the leaf of a good chain: its ancestors up to the order.
    const confirmed = await get<{ events: Row[] }>(
      `/api/streams/${STREAM}/events?type=ORDER_CONFIRMED&limit=1`,
    );
    const leaf = confirmed.body.events[0] as Row;
    const up = await get<{ root: string; nodes: { event: Row; parent: string | null }[] }>(
      `/api/streams/${STREAM}/events/${leaf.id}/tree`,
    );
    expect(up.body.nodes.map((n) => n.event.eventType).sort()).toEqual([
      "ORDER_CONFIRMED",
      "ORDER_PLACED",
      "PAYMENT_REQUESTED",
    ]);
    expect(up.body.root).toBe(leaf.headers["correlation-id"]);
  });

  it("lists dead letters with their reasons grouped by kind", async () => {
    const { body } = await get<{
      items: {
        entryId: string;
        originalId: string | null;
        reason: string;
        reasonKind: string;
        event: Row | null;
      }[];
      reasons: { kind: string; count: number }[];
      reasonsScanned: number;
      next: string | null;
    }>(`/api/streams/${STREAM}/dead-letters?limit=2`);
    expect(body.items.length).toBe(2);
    expect(body.next).not.toBeNull();
    expect(body.reasonsScanned).toBe(FLAKY.length + 1);
    expect(body.reasons).toEqual([
      { kind: "retries-exhausted", count: FLAKY.length },
      { kind: "invalid-event", count: 1 },
    ]);
    const rest = await get<{ items: unknown[]; next: string | null }>(
      `/api/streams/${STREAM}/dead-letters?limit=2&cursor=${body.next}`,
    );
    expect(rest.body.items.length).toBe(FLAKY.length + 1 - 2);
    expect(rest.body.next).toBeNull();
  });

  it("serves a RedisBackend's own stream when given the backend, and closes the inspector it made", async () => {
    const backend = new RedisBackend({
      redisUrl: redis.server.url,
      streamKey: STREAM,
      logger: false,
    });
    const own = createDashboard({ backend });
    try {
      const { body } = await getJson<{ streams: { name: string; deadLetters: number }[] }>(
        own.fetch,
        "/api/overview",
      );
      expect(body.streams).toMatchObject([{ name: STREAM, deadLetters: FLAKY.length + 1 }]);
      // The backend's own health() is shown: it reports its stream and group.
      const health = await getJson<{ healthy: boolean; details: { streamLength: number } }>(
        own.fetch,
        "/api/health",
      );
      expect(health.body).toMatchObject({ healthy: true, details: { streamLength: total() } });
      expect((await getJson(own.fetch, "/api/streams/elsewhere")).status).toBe(404);
    } finally {
      await own.close();
      await backend.close();
    }
    const after = await getJson<{ error: { message: string } }>(own.fetch, "/api/streams/shop");
    expect(after.status).toBe(503);
    expect(after.body.error.message).toMatch(/the inspector is closed/);
  });

  it("takes any stream name as one encoded path segment: slashes, hash tags, spaces", async () => {
    for (const name of ["orders/eu", "{shop}:events", "a b%"]) {
      await redis.redis.xadd(name, "*", "event", "{}");
      const { status, body } = await get<{ events: { invalid?: string }[] }>(
        `/api/streams/${encodeURIComponent(name)}/events?limit=1`,
      );
      expect(status, name).toBe(200);
      expect(body.events.length, name).toBe(1);
      await redis.redis.del(name);
    }
  });

  it("walks read at most one page ahead, and never past the window", async () => {
    const inspector = new RedisInspector({ redisUrl: redis.server.url });
    const asked: number[] = [];
    const scan = (options: ScanOptions) => {
      asked.push(options.count);
      return inspector.scan(STREAM, options);
    };
    try {
      const whole = await walk(scan, { window: 12, pageSize: 5 }, () => false);
      expect(whole).toMatchObject({ scanned: 12, complete: false });
      expect(asked).toEqual([5, 5, 2]);
      asked.length = 0;
      let seen = 0;
      const stopped = await walk(scan, { window: 30, pageSize: 5 }, () => ++seen === 3);
      expect(stopped.scanned).toBe(3);
      expect(asked).toEqual([5, 5]);
    } finally {
      await inspector.close();
    }
  });

  it("returns rate samples for the chart once the sampler ran", async () => {
    await get("/api/overview");
    const { status, body } = await get<{ samples: unknown[] }>(`/api/streams/${STREAM}/rates`);
    expect(status).toBe(200);
    expect(Array.isArray(body.samples)).toBe(true);
  });
});

function compareIds(a: string, b: string): number {
  const [am, as] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split("-").map(BigInt) as [bigint, bigint];
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}
