import { PostgresBackend } from "../../src/postgres.js";
import { runBackendConformance } from "../../src/testing.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { deadLetters, uniqueStream } from "./support.js";

const MAX_RETRIES = 3;

describePostgres("PostgresBackend", () => {
  const pg = usePrivatePostgres();

  runBackendConformance({
    name: "PostgresBackend",
    features: { consumerGroups: true, guaranteedOrder: true },
    // A release without delay is claimable at once and notified; a closed backend gives its
    // rows back. What remains is a poll or a notification's round trip.
    redeliveryMs: 500,
    maxAttempts: MAX_RETRIES,
    async newQueue() {
      const stream = uniqueStream("conformance");
      return {
        open: () =>
          new PostgresBackend({
            url: pg.server.url,
            stream,
            maxRetries: MAX_RETRIES,
            logger: false,
          }),
        deadLetters: async () =>
          (await deadLetters(pg.pool, stream)).map(({ eventId, reason }) => ({ eventId, reason })),
      };
    },
    restart: () => pg.server.restart(),
  });
});
