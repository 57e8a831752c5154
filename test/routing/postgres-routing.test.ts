import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Event, Organ, RoutingBackend, Spine } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { RedisBackend } from "../../src/redis.js";
import { runBackendConformance } from "../../src/testing.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { rawClient } from "../helpers/private-redis.js";
import { RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";
import { deadLetters, uniqueStream } from "../postgres/support.js";

const MAX_RETRIES = 3;
const CLAIM_MIN_IDLE_MS = 1_000;
const CLAIM_INTERVAL_MS = 100;

type Job = Event<"JOB", { n: number }>;

class JobOrgan extends Organ<Job> {
  readonly listensTo = ["JOB"] as const;
  handle(event: Job): Event {
    return new Event("AUDIT_JOB", { n: event.payload.n });
  }
}

class AuditOrgan extends Organ {
  readonly listensTo = ["AUDIT_JOB"] as const;
  readonly seen = new Map<number, number>();
  handle(event: Event): void {
    const n = event.payload.n as number;
    this.seen.set(n, (this.seen.get(n) ?? 0) + 1);
  }
}

describePostgres("RoutingBackend: AUDIT_* on PostgreSQL, the rest on Redis", () => {
  const pg = usePrivatePostgres();
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start({ appendOnly: true });
  });
  afterAll(async () => {
    await redis?.dispose();
  });

  const open = (stream: string, streamKey: string) =>
    new RoutingBackend({
      routes: [
        {
          types: ["AUDIT_*", "P*"],
          backend: new PostgresBackend({
            url: pg.server.url,
            stream,
            maxRetries: MAX_RETRIES,
            logger: false,
          }),
        },
        {
          types: ["*"],
          backend: new RedisBackend({
            redisUrl: redis.url,
            streamKey,
            claimMinIdleMs: CLAIM_MIN_IDLE_MS,
            claimIntervalMs: CLAIM_INTERVAL_MS,
            maxRetries: MAX_RETRIES,
            logger: false,
          }),
        },
      ],
      logger: false,
    });

  it("commits each AUDIT_JOB on Redis with its JOB and forwards it to PostgreSQL once", {
    timeout: 60_000,
  }, async () => {
    const stream = uniqueStream("routing");
    const streamKey = `routing:${randomUUID()}`;
    const routing = open(stream, streamKey);
    const audits = new AuditOrgan();
    const spine = new Spine({
      organs: [new JobOrgan(), audits],
      backend: routing,
      logger: false,
      concurrency: 8,
      pollTimeoutMs: 100,
    });
    const run = spine.run(Array.from({ length: 40 }, (_, n) => new Event("JOB", { n })));
    try {
      await waitUntil("every AUDIT_JOB handled", () => audits.seen.size === 40, 30_000);
      expect([...audits.seen.values()].every((times) => times === 1)).toBe(true);
      await waitUntil("every forward counted", () => routing.metrics.forwarded === 40);
      const { rows } = await pg.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM necrostack."${stream}_once"`,
      );
      expect(rows[0]?.n).toBe(40);
      const client = rawClient(redis.url);
      try {
        const [pending] = (await client.xpending(streamKey, "necrostack")) as [number];
        expect(pending).toBe(0);
      } finally {
        client.disconnect();
      }
    } finally {
      spine.stop();
      await run;
      await routing.close();
    }
  });

  runBackendConformance({
    name: "RoutingBackend over PostgreSQL and Redis",
    features: { consumerGroups: true, guaranteedOrder: true },
    redeliveryMs: CLAIM_MIN_IDLE_MS + CLAIM_INTERVAL_MS,
    maxAttempts: MAX_RETRIES,
    async newQueue() {
      const stream = uniqueStream("conformance");
      const streamKey = `routing-conformance:${randomUUID()}`;
      return {
        open: () => open(stream, streamKey),
        async deadLetters() {
          // The tables exist once the PostgreSQL backend was used; a test may route nothing there.
          const { rows } = await pg.pool.query<{ table: string | null }>(
            "SELECT to_regclass($1)::text AS table",
            [`necrostack."${stream}_dead"`],
          );
          const letters =
            rows[0]?.table === null
              ? []
              : (await deadLetters(pg.pool, stream)).map(({ eventId, reason }) => ({
                  eventId,
                  reason,
                }));
          const client = rawClient(redis.url);
          try {
            const entries = (await client.xrange(`${streamKey}:dlq`, "-", "+")) as [
              string,
              string[],
            ][];
            for (const [, fields] of entries) {
              const field = (name: string) => fields[fields.indexOf(name) + 1] ?? "";
              letters.push({
                eventId: Event.fromJSON(field("event")).id,
                reason: field("reason"),
              });
            }
          } finally {
            client.disconnect();
          }
          return letters;
        },
      };
    },
    restart: async () => {
      await Promise.all([pg.server.restart(), redis.restart()]);
    },
  });
});
