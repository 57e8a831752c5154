import { expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { elapse, uniqueStream, waitUntil } from "./support.js";

describePostgres("PostgresBackend claims ahead", () => {
  const pg = usePrivatePostgres();
  const leasedTo = async (stream: string, owner: string) =>
    (
      await pg.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM necrostack.${stream} WHERE lease_owner = $1`,
        [owner],
      )
    ).rows[0]?.n;

  it("starts the next claim when the batch runs low after a full claim, before any pull asks", async () => {
    const stream = uniqueStream("ahead");
    const backend = new PostgresBackend({
      url: pg.server.url,
      stream,
      batchSize: 8,
      logger: false,
    });
    try {
      const sent = Array.from({ length: 20 }, (_, n) => new Event("A", { n }));
      await backend.enqueueMany(sent);
      const got: Event[] = [(await backend.pull(2_000)) as Event];
      // The first claim took a full batch of 8: more rows are likely waiting.
      expect(await leasedTo(stream, backend.consumerName)).toBe(8);
      await backend.ack(got[0] as Event);
      for (let i = 0; i < 5; i++) {
        const event = backend.take() as Event;
        got.push(event);
        await backend.ack(event);
      }
      // 2 left in the batch (a quarter of it): a claim for the 6 free slots went out on its own.
      await waitUntil(
        "the claim ahead",
        async () => (await leasedTo(stream, backend.consumerName)) === 8,
      );
      for (;;) {
        const event = backend.take() ?? (await backend.pull(500));
        if (event === null) break;
        got.push(event);
        await backend.ack(event);
      }
      // Every event once, in order.
      expect(got.map((event) => event.payload)).toEqual(sent.map((event) => event.payload));
    } finally {
      await backend.close();
    }
  });

  it("does not claim ahead after a claim that found fewer rows than it asked for", async () => {
    const stream = uniqueStream("short");
    const backend = new PostgresBackend({
      url: pg.server.url,
      stream,
      batchSize: 8,
      logger: false,
    });
    try {
      await backend.enqueueMany(Array.from({ length: 6 }, () => new Event("A")));
      const first = (await backend.pull(2_000)) as Event;
      await backend.ack(first);
      // Rows enqueued now are found by the next pull, not by a claim ahead.
      await backend.enqueueMany(Array.from({ length: 6 }, () => new Event("B")));
      for (let i = 0; i < 4; i++) await backend.ack(backend.take() as Event);
      await elapse(300);
      expect(await leasedTo(stream, backend.consumerName)).toBe(1);
    } finally {
      await backend.close();
    }
  });
});
