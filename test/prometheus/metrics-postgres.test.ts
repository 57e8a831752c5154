import { expect, it } from "vitest";
import { Event } from "../../src/index.js";
import { PostgresBackend } from "../../src/postgres.js";
import { createMetrics, METRIC_NAMES } from "../../src/prometheus.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { uniqueStream } from "../postgres/support.js";
import { parseExposition, sample } from "./scrape.js";

describePostgres("createMetrics on a PostgresBackend", () => {
  const pg = usePrivatePostgres();

  it("reads the stream's length, lag, pending and dead letters from the backend, labelled <schema>.<stream>", async () => {
    const stream = uniqueStream("gauges");
    const backend = new PostgresBackend({
      url: pg.server.url,
      stream,
      batchSize: 2,
      logger: false,
    });
    const metrics = createMetrics({ backend, organs: [] });
    try {
      await backend.enqueueMany(Array.from({ length: 5 }, () => new Event("A")));
      await backend.nack((await backend.pull(2_000)) as Event, "poison");
      const samples = parseExposition(await metrics.metrics());
      const destination = `necrostack.${stream}`;
      const group = { destination, consumer_group: "" };
      expect(sample(samples, METRIC_NAMES.streamLength, { destination })).toBe(4);
      expect(sample(samples, METRIC_NAMES.deadLetterLength, { destination })).toBe(1);
      expect(sample(samples, METRIC_NAMES.pending, group)).toBe(1);
      expect(sample(samples, METRIC_NAMES.lag, group)).toBe(3);
    } finally {
      await backend.close();
    }
  });
});
