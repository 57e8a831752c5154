import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { IdempotentEnqueue } from "../../src/backends/postgres/idempotent-enqueue.js";
import { PgSqlClient } from "../../src/backends/postgres/pg-client.js";
import { migrate, streamTables } from "../../src/backends/postgres/schema.js";
import { Event } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";

describePostgres("PostgreSQL idempotent enqueue", () => {
  const fixture = usePrivatePostgres();
  let client: PgSqlClient;
  beforeAll(async () => {
    client = await PgSqlClient.create({
      url: fixture.server.url,
      pool: undefined,
      poolSize: 8,
      applicationName: "idempotent-enqueue-test",
      idleError: () => {},
    });
  });
  afterAll(async () => {
    await client?.close();
  });

  const stream = async () => {
    const tables = streamTables("necrostack", `once_${randomUUID().slice(0, 8)}`);
    await migrate(client, tables);
    return tables;
  };

  it("adds an event once per id, headers and all, and remembers the id after it is consumed", async () => {
    const tables = await stream();
    const once = new IdempotentEnqueue(tables);
    const sent = new Event({ eventType: "AUDIT", payload: { n: 1 }, headers: { "x-origin": "a" } });
    expect(await once.enqueue(client, sent)).toBe(true);
    expect(await once.enqueue(client, Event.fromJSON(JSON.stringify(sent.toJSON())))).toBe(false);
    const { rows } = await fixture.pool.query<{ id: string; headers: Record<string, string> }>(
      `SELECT id, headers FROM ${tables.events}`,
    );
    expect(rows).toEqual([{ id: sent.id, headers: { "x-origin": "a" } }]);
    await fixture.pool.query(`DELETE FROM ${tables.events}`);
    expect(await new IdempotentEnqueue(tables).enqueue(client, sent)).toBe(false);
  });

  it("adds a copy sent by two forwarders at once exactly once", async () => {
    const tables = await stream();
    const [one, two] = [new IdempotentEnqueue(tables), new IdempotentEnqueue(tables)];
    const events = Array.from({ length: 40 }, (_, n) => new Event("AUDIT", { n }));
    const added = await Promise.all(
      events.flatMap((event) => [one.enqueue(client, event), two.enqueue(client, event)]),
    );
    expect(added.filter(Boolean)).toHaveLength(40);
    const { rows } = await fixture.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${tables.events}`,
    );
    expect(rows[0]?.n).toBe(40);
    const window = await fixture.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${tables.once}`,
    );
    expect(window.rows[0]?.n).toBe(40);
  });

  it("is PostgresBackend.enqueueOnce, declared as idempotentEnqueue: a second copy of an id is dropped", async () => {
    const stream = `once_${randomUUID().slice(0, 8)}`;
    const backend = new PostgresBackend({ url: fixture.server.url, stream, logger: false });
    try {
      expect(backend.capabilities.idempotentEnqueue).toBe(true);
      const event = new Event("AUDIT", { n: 1 });
      expect(await backend.enqueueOnce(event)).toBe(true);
      expect(await backend.enqueueOnce(event)).toBe(false);
      const got = await backend.pull(2_000);
      expect(got?.id).toBe(event.id);
      await backend.ack(got as Event);
      expect(await backend.enqueueOnce(event)).toBe(false);
      expect(await backend.pull(200)).toBeNull();
    } finally {
      await backend.close();
    }
  });
});
