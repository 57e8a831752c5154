/**
 * `necrostack postgres migrate` and `necrostack postgres status`, in process, on a private
 * PostgreSQL cluster: what a team that runs migrations itself (backends with `migrate: false`)
 * runs before deploying.
 */
import { expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { Event } from "../../src/index.js";
import { PostgresBackend, SCHEMA_VERSION } from "../../src/postgres.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { uniqueStream } from "../postgres/support.js";
import { recordingIO } from "./io.js";

describePostgres("necrostack postgres migrate / status", () => {
  const pg = usePrivatePostgres();
  const run = async (...argv: string[]) => {
    const io = recordingIO();
    const code = await main(["postgres", ...argv], io);
    return { code, out: io.out, err: io.err };
  };

  it("creates named streams, after which a backend with migrate: false works", async () => {
    const schema = `m_${uniqueStream("s").slice(-8)}`;
    const [a, b] = [uniqueStream("a"), uniqueStream("b")];
    const before = await run(
      "status",
      "--url",
      pg.server.url,
      "--schema",
      schema,
      "--stream",
      `${a},${b}`,
    );
    expect(before).toEqual({
      code: 1,
      out: `${a}: no tables\n${b}: no tables\nRun: necrostack postgres migrate --url <url> --schema ${schema}\n`,
      err: "",
    });
    const migrated = await run(
      "migrate",
      "--url",
      pg.server.url,
      "--schema",
      schema,
      "--stream",
      `${a},${b}`,
    );
    expect(migrated).toEqual({
      code: 0,
      out: `${a}: created (version ${SCHEMA_VERSION})\n${b}: created (version ${SCHEMA_VERSION})\n`,
      err: "",
    });
    const backend = new PostgresBackend({
      url: pg.server.url,
      schema,
      stream: a,
      migrate: false,
      logger: false,
    });
    try {
      const event = new Event("A");
      await backend.enqueue(event);
      expect((await backend.pull(2_000))?.id).toBe(event.id);
    } finally {
      await backend.close();
    }
    expect(await run("status", "--url", pg.server.url, "--schema", schema)).toEqual({
      code: 0,
      out: `${a}: version ${SCHEMA_VERSION}, up to date\n${b}: version ${SCHEMA_VERSION}, up to date\n`,
      err: "",
    });
  });

  it("without --stream, upgrades every stream the schema records", async () => {
    const schema = `m_${uniqueStream("s").slice(-8)}`;
    const stream = uniqueStream("old");
    await run("migrate", "--backend", pg.server.url, "--schema", schema, "--stream", stream);
    // As a stream created by the first release: version 1 only.
    await pg.pool.query(`DROP TABLE ${schema}.${stream}_archive`);
    await pg.pool.query(
      `DROP TABLE ${schema}.${stream}_schema_types, ${schema}.${stream}_schemas, ${schema}.${stream}_once, ${schema}.${stream}_replays`,
    );
    await pg.pool.query(`DELETE FROM ${schema}.migrations WHERE version > 1`);
    expect((await run("status", "--url", pg.server.url, "--schema", schema)).out).toBe(
      `${stream}: version 1, behind (this package needs ${SCHEMA_VERSION})\nRun: necrostack postgres migrate --url <url> --schema ${schema}\n`,
    );
    expect(await run("migrate", "--url", pg.server.url, "--schema", schema)).toEqual({
      code: 0,
      out: `${stream}: upgraded from version 1 to ${SCHEMA_VERSION}\n`,
      err: "",
    });
    const { rows } = await pg.pool.query("SELECT to_regclass($1) IS NOT NULL AS present", [
      `${schema}.${stream}_archive`,
    ]);
    expect(rows).toEqual([{ present: true }]);
    expect((await run("migrate", "--url", pg.server.url, "--schema", schema)).out).toBe(
      `${stream}: up to date (version ${SCHEMA_VERSION})\n`,
    );
  });

  it("refuses a Redis URL, a bad stream name and an unknown subcommand with exit 2", async () => {
    const redis = await run("migrate", "--url", "redis://localhost:6379");
    expect(redis.code).toBe(2);
    expect(redis.err).toContain("expected a postgres:// or postgresql:// URL");
    const badName = await run("migrate", "--url", pg.server.url, "--stream", "Orders");
    expect(badName.code).toBe(2);
    expect(badName.err).toContain("stream");
    const unknown = await run("migrat", "--url", pg.server.url);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('Did you mean "migrate"');
  });

  it("fails with exit 1 and a masked URL when PostgreSQL cannot be reached", async () => {
    const closed = "postgres://app:s3cret@127.0.0.1:1/db";
    const result = await run("migrate", "--url", closed, "--stream", "events");
    expect(result.code).toBe(1);
    expect(result.err).toContain("127.0.0.1:1");
    expect(result.err).not.toContain("s3cret");
  });
});
