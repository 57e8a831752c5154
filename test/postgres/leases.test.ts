import { expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { deadLetters, elapse, rowCount, uniqueStream } from "./support.js";

describePostgres("PostgresBackend leases", () => {
  const pg = usePrivatePostgres();
  const open = (stream: string, leaseMs = 30_000) =>
    new PostgresBackend({ url: pg.server.url, stream, leaseMs, maxRetries: 3, logger: false });

  it("gives a row whose lease expired to another consumer, on the next attempt", async () => {
    const stream = uniqueStream("lease");
    const b = open(stream);
    try {
      const sent = new Event("JOB", { n: 1 });
      await b.enqueue(sent);
      // A worker that claimed it and died: its lease runs out in 300 ms and is never renewed.
      await pg.pool.query(
        `UPDATE necrostack.${stream} SET lease_owner = 'dead-worker', attempt = 1,
           lease_expires_at = now() + interval '300 milliseconds'`,
      );
      expect(await b.pull(100)).toBeNull();
      const again = await b.pull(5_000);
      expect(again?.id).toBe(sent.id);
      expect(b.deliveryAttempt(again as Event)).toBe(2);
      await b.ack(again as Event);
      expect(await rowCount(pg.pool, stream)).toBe(0);
    } finally {
      await b.close();
    }
  });

  it("keeps a row leased while a slow handler holds it past leaseMs", async () => {
    const stream = uniqueStream("lease");
    const a = open(stream, 1_000);
    const b = open(stream, 1_000);
    try {
      await a.enqueue(new Event("SLOW"));
      const held = await a.pull(2_000);
      expect(held).not.toBeNull();
      // Several lease lengths: renewed every leaseMs / 3, it never expires.
      const stolen = await b.pull(2_500);
      expect(stolen).toBeNull();
      await a.ack(held as Event);
      expect(await rowCount(pg.pool, stream)).toBe(0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("emits nothing from a consumer that lost its lease, and lets the new owner commit", async () => {
    const stream = uniqueStream("lease");
    const a = open(stream);
    const b = open(stream);
    try {
      await a.enqueue(new Event("START"));
      const first = await a.pull(2_000);
      // a stalls past its lease (made to expire here), and b claims the row.
      await pg.pool.query(
        `UPDATE necrostack.${stream} SET lease_expires_at = now() - interval '1 second'`,
      );
      const second = await b.pull(2_000);
      expect(second?.id).toBe(first?.id);
      expect(b.deliveryAttempt(second as Event)).toBe(2);

      await a.commit(first as Event, [new Event("FROM_A")]);
      const { rows: afterA } = await pg.pool.query(
        `SELECT event_type, lease_owner FROM necrostack.${stream} ORDER BY seq`,
      );
      expect(afterA).toEqual([{ event_type: "START", lease_owner: b.consumerName }]);

      await b.commit(second as Event, [new Event("FROM_B")]);
      const { rows: afterB } = await pg.pool.query(
        `SELECT event_type FROM necrostack.${stream} ORDER BY seq`,
      );
      expect(afterB).toEqual([{ event_type: "FROM_B" }]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("dead-letters a row whose lease expired on its last attempt instead of delivering it again", async () => {
    const stream = uniqueStream("lease");
    const b = open(stream);
    try {
      const sent = new Event("CRASHER", { n: 1 });
      await b.enqueue(sent);
      // Its third delivery's worker died too.
      await pg.pool.query(
        `UPDATE necrostack.${stream} SET lease_owner = 'dead-worker', attempt = 3,
           lease_expires_at = now() - interval '1 second'`,
      );
      expect(await b.pull(300)).toBeNull();
      await elapse(100);
      const dead = await deadLetters(pg.pool, stream);
      expect(dead.map((d) => d.eventId)).toEqual([sent.id]);
      expect(dead[0]?.reason).toContain("Exceeded 3 deliveries");
      expect(await rowCount(pg.pool, stream)).toBe(0);
    } finally {
      await b.close();
    }
  });

  it("dead-letters a poison row that is not an event, and still delivers the events around it", async () => {
    const stream = uniqueStream("poison");
    const backend = open(stream);
    try {
      const before = new Event("OK", { n: 1 });
      await backend.enqueue(before);
      await pg.pool.query(
        `INSERT INTO necrostack.${stream} (id, "timestamp", event_type, payload)
         VALUES ('not-a-uuid', '2024-01-15T10:30:45.123Z', 'BROKEN', '{}')`,
      );
      const after = new Event("OK", { n: 2 });
      await backend.enqueue(after);
      const got: Event[] = [];
      for (let i = 0; i < 2; i++) {
        const event = await backend.pull(2_000);
        if (event !== null) {
          got.push(event);
          await backend.ack(event);
        }
      }
      expect(got.map((e) => e.id)).toEqual([before.id, after.id]);
      await elapse(100);
      const dead = await deadLetters(pg.pool, stream);
      expect(dead).toHaveLength(1);
      expect(dead[0]?.eventId).toBe("not-a-uuid");
      expect(dead[0]?.reason).toMatch(/id/i);
      expect(await rowCount(pg.pool, stream)).toBe(0);
    } finally {
      await backend.close();
    }
  });
});
