import { expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { PostgresBackend, PostgresOperationError, SCHEMA_VERSION } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { rowCount, uniqueStream } from "./support.js";

describePostgres("PostgresBackend rows", () => {
  const pg = usePrivatePostgres();

  it("gives back the payload exactly as written: key order, NUL characters, unicode", async () => {
    const stream = uniqueStream("wire");
    const backend = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    try {
      const sent = new Event({
        eventType: "ÉVÉNEMENT",
        payload: { zeta: 1, alpha: "nul\u0000inside", nested: { b: [1.5, null], a: "😀" } },
        headers: { "x.tenant": "t-1" },
      });
      await backend.enqueue(sent);
      const got = await backend.pull(2_000);
      expect(JSON.stringify(got?.payload)).toBe(JSON.stringify(sent.payload));
      expect(got?.equals(sent)).toBe(true);
      expect(got?.headers["x.tenant"]).toBe("t-1");
      await backend.ack(got as Event);
    } finally {
      await backend.close();
    }
  });

  it("refuses, adding nothing, an event whose header holds a NUL character (headers are jsonb)", async () => {
    const stream = uniqueStream("wire");
    const backend = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    try {
      const event = new Event({ eventType: "T", headers: { "x.note": "a\u0000b" } });
      await expect(backend.enqueue(event)).rejects.toBeInstanceOf(PostgresOperationError);
      expect(await rowCount(pg.pool, stream)).toBe(0);
    } finally {
      await backend.close();
    }
  });

  it("stores the wire fields in columns of their own, headers beside them", async () => {
    const stream = uniqueStream("wire");
    const backend = new PostgresBackend({ url: pg.server.url, stream, logger: false });
    try {
      const sent = new Event({
        eventType: "ORDER_PLACED",
        payload: { orderId: "o-1" },
        timestamp: "2024-01-15T10:30:45.123Z",
        headers: { "x.tenant": "t-1" },
      });
      await backend.enqueue(sent);
      const { rows } = await pg.pool.query(
        `SELECT id, "timestamp", event_type, payload->>'orderId' AS order_id, headers, attempt, lease_owner
         FROM necrostack.${stream}`,
      );
      expect(rows).toEqual([
        {
          id: sent.id,
          timestamp: "2024-01-15T10:30:45.123Z",
          event_type: "ORDER_PLACED",
          order_id: "o-1",
          headers: { "x.tenant": "t-1" },
          attempt: 0,
          lease_owner: null,
        },
      ]);
      const { rows: versions } = await pg.pool.query(
        "SELECT version FROM necrostack.migrations WHERE stream = $1 ORDER BY version",
        [stream],
      );
      expect(versions).toEqual(
        Array.from({ length: SCHEMA_VERSION }, (_, i) => ({ version: i + 1 })),
      );
    } finally {
      await backend.close();
    }
  });
});
