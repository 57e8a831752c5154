import { expect, it } from "vitest";
import { STATEMENT_MAX_ROWS } from "../../src/backends/postgres/settle-batch.js";
import { Event } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { elapse, rowCount, uniqueStream } from "./support.js";

describePostgres("PostgresBackend settles of one tick", () => {
  const pg = usePrivatePostgres();
  const open = (stream: string) =>
    new PostgresBackend({ url: pg.server.url, stream, batchSize: 16, logger: false });

  /** Pulls `n` events, in order. */
  const pullAll = async (backend: PostgresBackend, n: number): Promise<Event[]> => {
    const got: Event[] = [];
    for (let i = 0; i < n; i++) {
      const event = await backend.pull(2_000);
      expect(event).not.toBeNull();
      got.push(event as Event);
    }
    return got;
  };

  it("emits nothing for the entry whose lease was lost and everything for the others of the batch", async () => {
    const stream = uniqueStream("batch");
    const backend = open(stream);
    try {
      await backend.enqueueMany([new Event("A", { n: 1 }), new Event("A", { n: 2 })]);
      await backend.enqueueMany([new Event("A", { n: 3 }), new Event("A", { n: 4 })]);
      const [one, two, three, four] = await pullAll(backend, 4);
      // Another consumer took over the row of the second event (its lease expired meanwhile).
      await pg.pool.query(
        `UPDATE necrostack.${stream} SET lease_owner = 'other-worker' WHERE payload->>'n' = '2'`,
      );
      const withHeaders = new Event({
        eventType: "FROM_3",
        payload: { k: 1 },
        headers: { "x-trace": "t3" },
      });
      // The same tick: one statement.
      await Promise.all([
        backend.commit(one as Event, [
          new Event("FROM_1", { k: 1 }),
          new Event("FROM_1", { k: 2 }),
        ]),
        backend.commit(two as Event, [new Event("FROM_2", { k: 1 })]),
        backend.commit(three as Event, [withHeaders]),
        backend.ack(four as Event),
      ]);
      const { rows } = await pg.pool.query(
        `SELECT event_type, payload, headers, lease_owner FROM necrostack.${stream} ORDER BY seq`,
      );
      expect(rows).toEqual([
        { event_type: "A", payload: { n: 2 }, headers: null, lease_owner: "other-worker" },
        { event_type: "FROM_1", payload: { k: 1 }, headers: null, lease_owner: null },
        { event_type: "FROM_1", payload: { k: 2 }, headers: null, lease_owner: null },
        {
          event_type: "FROM_3",
          payload: { k: 1 },
          headers: { "x-trace": "t3" },
          lease_owner: null,
        },
      ]);
    } finally {
      await backend.close();
    }
  });

  it("sends the commits of one tick with a single NOTIFY", async () => {
    const stream = uniqueStream("notify");
    const backend = open(stream);
    const listener = await pg.pool.connect();
    let notifications = 0;
    try {
      await backend.enqueueMany([new Event("A"), new Event("A"), new Event("A")]);
      const pulled = await pullAll(backend, 3);
      listener.on("notification", () => {
        notifications++;
      });
      await listener.query(`LISTEN "${backend.tables.channel}"`);
      await Promise.all(pulled.map((event) => backend.commit(event, [new Event("B")])));
      await elapse(200);
      // One statement per commit would have sent three.
      expect(notifications).toBe(1);
      expect(await rowCount(pg.pool, stream)).toBe(3);
    } finally {
      await listener.query("UNLISTEN *");
      listener.release();
      await backend.close();
    }
  });

  it("sends the commits made while a settle statement is out together, in the next one", async () => {
    const stream = uniqueStream("group");
    const backend = open(stream);
    const listener = await pg.pool.connect();
    let notifications = 0;
    try {
      await backend.enqueueMany(Array.from({ length: 8 }, () => new Event("A")));
      const [first, ...rest] = await pullAll(backend, 8);
      listener.on("notification", () => {
        notifications++;
      });
      await listener.query(`LISTEN "${backend.tables.channel}"`);
      // Another session locks the first row: the first settle statement waits on it, out.
      const locker = await pg.pool.connect();
      await locker.query("BEGIN");
      await locker.query(`SELECT 1 FROM necrostack.${stream} WHERE id = $1 FOR UPDATE`, [
        (first as Event).id,
      ]);
      const settled = [backend.commit(first as Event, [new Event("B")])];
      // Each of the others in a tick of its own, while the first statement is out.
      for (const event of rest) {
        await elapse(20);
        settled.push(backend.commit(event, [new Event("B")]));
      }
      await locker.query("COMMIT");
      locker.release();
      await Promise.all(settled);
      await elapse(200);
      // The first statement, then one for the seven that waited for it (not one per tick).
      expect(notifications).toBe(2);
      expect(await rowCount(pg.pool, stream)).toBe(8);
    } finally {
      await listener.query("UNLISTEN *");
      listener.release();
      await backend.close();
    }
  });

  it("never splits a commit larger than a statement's row limit, and commits the rest beside it", async () => {
    const stream = uniqueStream("large");
    const backend = open(stream);
    try {
      await backend.enqueueMany([new Event("A"), new Event("A")]);
      const [big, small] = await pullAll(backend, 2);
      const fanOut = Array.from(
        { length: STATEMENT_MAX_ROWS + 10 },
        (_, n) => new Event("B", { n }),
      );
      await Promise.all([
        backend.commit(big as Event, fanOut),
        backend.commit(small as Event, [new Event("C")]),
      ]);
      const { rows } = await pg.pool.query(
        `SELECT event_type, count(*)::int AS n FROM necrostack.${stream} GROUP BY event_type ORDER BY event_type`,
      );
      expect(rows).toEqual([
        { event_type: "B", n: STATEMENT_MAX_ROWS + 10 },
        { event_type: "C", n: 1 },
      ]);
    } finally {
      await backend.close();
    }
  });
});
