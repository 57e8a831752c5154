import { expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { elapse, uniqueStream, waitUntil } from "./support.js";

describePostgres("PostgresBackend wake-ups", () => {
  const pg = usePrivatePostgres();

  it("sends one notification for an enqueue of many events, and one for a commit of many emitted events", async () => {
    const stream = uniqueStream("notify");
    const backend = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    const listener = await pg.pool.connect();
    let notifications = 0;
    listener.on("notification", (message) => {
      if (message.channel === backend.tables.channel) notifications++;
    });
    try {
      await listener.query(`LISTEN "${backend.tables.channel}"`);
      await backend.enqueueMany(Array.from({ length: 2_500 }, (_, n) => new Event("MANY", { n })));
      await waitUntil("the notification", () => notifications > 0);
      await elapse(200);
      expect(notifications).toBe(1);

      const got: Event[] = [];
      for (let i = 0; i < 2_500; i++) {
        const event = backend.take() ?? (await backend.pull(2_000));
        if (event === null) break;
        got.push(event);
        if (i > 0) await backend.ack(event);
      }
      // Every chunk of the insert landed, in order.
      expect(got.map((e) => e.payload.n)).toEqual(Array.from({ length: 2_500 }, (_, n) => n));

      notifications = 0;
      const emitted = Array.from({ length: 300 }, (_, n) => new Event("CHILD", { n }));
      await backend.commit(got[0] as Event, emitted);
      await waitUntil("the notification", () => notifications > 0);
      await elapse(200);
      expect(notifications).toBe(1);
    } finally {
      await listener.query("UNLISTEN *").catch(() => {});
      listener.release();
      await backend.close();
    }
  });

  it("finds a row inserted without any notification by polling", async () => {
    const stream = uniqueStream("poll");
    const backend = new PostgresBackend({
      url: pg.server.url,
      stream,
      pollIntervalMs: 300,
      logger: false,
    });
    try {
      expect(await backend.pull(20)).toBeNull();
      const waiting = backend.pull(5_000);
      const sent = new Event("SILENT");
      // A plain INSERT: no NOTIFY, as if the notification had been lost.
      await pg.pool.query(
        `INSERT INTO necrostack.${stream} (id, "timestamp", event_type, payload) VALUES ($1, $2, $3, '{}')`,
        [sent.id, sent.toJSON().timestamp, sent.eventType],
      );
      const started = Date.now();
      expect((await waiting)?.id).toBe(sent.id);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await backend.close();
    }
  });

  it("opens its LISTEN connection again after the server ended it", async () => {
    const stream = uniqueStream("relisten");
    const backend = new PostgresBackend({
      url: pg.server.url,
      stream,
      pollIntervalMs: 60_000,
      logger: false,
    });
    const producer = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    try {
      expect(await backend.pull(20)).toBeNull();
      expect((await backend.health()).details.listening).toBe(true);
      const listeners = async (): Promise<number[]> =>
        (
          await pg.pool.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND application_name = $1`,
            [`necrostack:${backend.consumerName}`],
          )
        ).rows.map((row) => row.pid);
      const [before] = await listeners();
      expect(before).toBeDefined();
      await pg.pool.query("SELECT pg_terminate_backend($1)", [before]);
      await waitUntil("a new LISTEN connection", async () => {
        const now = await listeners();
        return now.length === 1 && now[0] !== before;
      });
      expect((await backend.health()).details.listening).toBe(true);
      const waiting = backend.pull(5_000);
      const sent = new Event("PING");
      const started = Date.now();
      await producer.enqueue(sent);
      expect((await waiting)?.id).toBe(sent.id);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await backend.close();
      await producer.close();
    }
  });
});
