import { expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { elapse, rowCount, uniqueStream } from "./support.js";

describePostgres("PostgresBackend outbox: enqueue inside the caller's transaction", () => {
  const pg = usePrivatePostgres();

  async function ordersTable(): Promise<string> {
    const table = uniqueStream("orders");
    await pg.pool.query(`CREATE TABLE ${table} (id text PRIMARY KEY, total int NOT NULL)`);
    return table;
  }

  it("delivers the event once the business write's transaction commits, and not before", async () => {
    const stream = uniqueStream("outbox");
    const orders = await ordersTable();
    const producer = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    const consumer = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    const client = await pg.pool.connect();
    try {
      const placed = new Event("ORDER_PLACED", { orderId: "o-1", total: 42 });
      await client.query("BEGIN");
      await client.query(`INSERT INTO ${orders} (id, total) VALUES ($1, $2)`, ["o-1", 42]);
      await producer.enqueue(placed, { client });
      // Not committed: no other session sees the row, so no worker gets it.
      expect(await consumer.pull(300)).toBeNull();
      expect(await rowCount(pg.pool, stream)).toBe(0);
      const waiting = consumer.pull(5_000);
      await client.query("COMMIT");
      const got = await waiting;
      expect(got?.equals(placed)).toBe(true);
      await consumer.ack(got as Event);
      const { rows } = await pg.pool.query(`SELECT total FROM ${orders} WHERE id = 'o-1'`);
      expect(rows).toEqual([{ total: 42 }]);
    } finally {
      client.release();
      await producer.close();
      await consumer.close();
    }
  });

  it("leaves no event when the transaction rolls back", async () => {
    const stream = uniqueStream("outbox");
    const orders = await ordersTable();
    const backend = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    const client = await pg.pool.connect();
    try {
      await client.query("BEGIN");
      await client.query(`INSERT INTO ${orders} (id, total) VALUES ($1, $2)`, ["o-2", 7]);
      await backend.enqueueMany(
        [
          new Event("ORDER_PLACED", { orderId: "o-2" }),
          new Event("ORDER_AUDITED", { orderId: "o-2" }),
        ],
        { client },
      );
      await client.query("ROLLBACK");
      await elapse(200);
      expect(await backend.pull(300)).toBeNull();
      expect(await rowCount(pg.pool, stream)).toBe(0);
      const { rows } = await pg.pool.query(`SELECT count(*)::int AS n FROM ${orders}`);
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      client.release();
      await backend.close();
    }
  });

  it("wakes a waiting pull through NOTIFY when the outbox transaction commits", async () => {
    const stream = uniqueStream("outbox");
    const backend = new PostgresBackend({
      url: pg.server.url,
      stream,
      logger: false,
      // Polling alone would take up to a minute: only the notification can wake it in time.
      pollIntervalMs: 60_000,
    });
    const client = await pg.pool.connect();
    try {
      expect(await backend.pull(20)).toBeNull();
      const waiting = backend.pull(3_000);
      await client.query("BEGIN");
      const sent = new Event("PING");
      await backend.enqueue(sent, { client });
      await client.query("COMMIT");
      const started = Date.now();
      expect((await waiting)?.id).toBe(sent.id);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      client.release();
      await backend.close();
    }
  });
});
