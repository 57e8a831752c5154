import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { PostgresReplayTarget } from "../../src/backends/postgres/replay-target.js";
import { replay } from "../../src/core/replay/replay.js";
import { Event } from "../../src/index.js";
import { PostgresBackend, PostgresInspector } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";

const unique = (prefix: string) => `${prefix}_${randomUUID().slice(0, 8)}`;

describePostgres("replay() on PostgreSQL", () => {
  const pg = usePrivatePostgres();

  /** A stream of `count` events, the first `handled` of them handled (so in the archive). */
  async function history(
    count: number,
    handled: number,
  ): Promise<{ stream: string; events: Event[] }> {
    const stream = unique("shop");
    const backend = new PostgresBackend({
      url: pg.server.url,
      stream,
      retentionMs: 3_600_000,
      batchSize: 100,
      logger: false,
    });
    const events = Array.from(
      { length: count },
      (_, n) => new Event(n % 3 === 0 ? "A" : "B", { n }),
    );
    try {
      await backend.enqueueMany(events);
      for (let i = 0; i < handled; i++) await backend.ack((await backend.pull(2_000)) as Event);
    } finally {
      await backend.close();
    }
    return { stream, events };
  }

  const replayed = async (stream: string) =>
    (
      await pg.pool.query<{ n: number; from: string; type: string }>(
        `SELECT (payload->>'n')::int AS n, headers->>'replayed-from' AS from, event_type AS type
         FROM necrostack.${stream} ORDER BY seq`,
      )
    ).rows;

  it("replays the archive of handled events and the waiting ones, oldest first, into another stream", async () => {
    const { stream, events } = await history(250, 180);
    const inspector = new PostgresInspector({ url: pg.server.url });
    const target = unique("again");
    const into = new PostgresReplayTarget({ url: pg.server.url, stream: target });
    try {
      const summary = await replay({ source: inspector, stream, into, batchSize: 40 });
      expect(summary).toMatchObject({ scanned: 250, selected: 250, replayed: 250, done: true });
      const rows = await replayed(target);
      expect(rows.map((row) => row.n)).toEqual(events.map((event) => event.payload.n));
      expect(rows.map((row) => row.from)).toEqual(events.map((event) => event.id));
    } finally {
      await into.close();
      await inspector.close();
    }
  });

  it("resumes a stopped replay from its row in <stream>_replays, with no event twice, types filtered", async () => {
    const { stream, events } = await history(300, 300);
    const inspector = new PostgresInspector({ url: pg.server.url });
    const target = unique("again");
    const stop = new AbortController();
    const first = new PostgresReplayTarget({ url: pg.server.url, stream: target });
    const options = { source: inspector, stream, types: ["A"], replayId: "typed", batchSize: 10 };
    try {
      const stopped = await replay({
        ...options,
        into: first,
        signal: stop.signal,
        onProgress: (progress) => {
          if (progress.replayed >= 30) stop.abort();
        },
      });
      expect(stopped).toMatchObject({ stopped: true, done: false });
      await first.close();
      const second = new PostgresReplayTarget({ url: pg.server.url, stream: target });
      const resumed = await replay({ ...options, into: second });
      await second.close();
      expect(resumed).toMatchObject({ resumed: true, done: true, selected: 100, replayed: 100 });
      const rows = await replayed(target);
      expect(rows.map((row) => row.n)).toEqual(
        events.filter((event) => event.eventType === "A").map((event) => event.payload.n),
      );
    } finally {
      await inspector.close();
    }
  });
});
