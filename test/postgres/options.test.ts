import { describe, expect, it } from "vitest";
import { InvalidOptionError } from "../../src/index.js";
import { PgMissingError, PostgresBackend, PostgresOperationError } from "../../src/postgres.js";

describe("PostgresBackend options", () => {
  it("applies the defaults", () => {
    const backend = new PostgresBackend({ url: "postgres://localhost/app", logger: false });
    expect(backend.schema).toBe("necrostack");
    expect(backend.stream).toBe("events");
    expect(backend.maxRetries).toBe(3);
    expect(backend.tables.events).toBe('"necrostack"."events"');
    expect(backend.tables.dead).toBe('"necrostack"."events_dead"');
    expect(backend.tables.channel).toBe("necrostack.events");
    expect(backend.consumerName).toMatch(/-\d+-[0-9a-f]{8}$/);
  });

  it("declares durable, atomicCommit, delayedRelease, deadLetter, redelivery and idempotentEnqueue", () => {
    const backend = new PostgresBackend({ url: "postgresql://localhost/app", logger: false });
    expect(backend.capabilities).toEqual({
      durable: true,
      atomicCommit: true,
      synchronous: false,
      delayedRelease: true,
      deadLetter: true,
      redelivery: true,
      idempotentEnqueue: true,
    });
  });

  it.each([
    [{ url: "redis://localhost" }, "url"],
    [{}, "url"],
    [{ url: "postgres://localhost", schema: "Bad-Name" }, "schema"],
    [{ url: "postgres://localhost", stream: "x".repeat(49) }, "stream"],
    [{ url: "postgres://localhost", stream: "drop table" }, "stream"],
    [{ url: "postgres://localhost", maxRetries: 0 }, "maxRetries"],
    [{ url: "postgres://localhost", leaseMs: 50 }, "leaseMs"],
    [{ url: "postgres://localhost", batchSize: 1.5 }, "batchSize"],
    [{ url: "postgres://localhost", pool: {} }, "pool"],
    [{ url: "postgres://localhost", retentionMs: -1 }, "retentionMs"],
    [{ url: "postgres://localhost", migrate: "no" }, "migrate"],
    [{ url: "postgres://localhost", preparedStatements: 1 }, "preparedStatements"],
  ])("rejects %o naming `%s`", (options, option) => {
    const build = () => new PostgresBackend({ logger: false, ...(options as object) });
    expect(build).toThrow(InvalidOptionError);
    expect(build).toThrow(`\`${option}\``);
  });

  it("never shows the password of a URL it rejects", () => {
    expect(() => new PostgresBackend({ url: "mysql://u:hunter2@db/app", logger: false })).toThrow(
      /^(?!.*hunter2)/,
    );
  });

  it("hashes a channel name longer than PostgreSQL's 63 bytes", () => {
    const backend = new PostgresBackend({
      url: "postgres://localhost/app",
      schema: "s".repeat(40),
      stream: "t".repeat(40),
      logger: false,
    });
    expect(backend.tables.channel).toMatch(/^necrostack_[0-9a-f]{40}$/);
  });

  it("names the package to install when pg is missing, and never shows a password in an operation error", () => {
    const missing = new PgMissingError(new Error("Cannot find package 'pg'"));
    expect(missing.code).toBe("ERR_PG_MISSING");
    expect(missing.message).toContain("npm install pg");
    const failed = new PostgresOperationError(
      "claim",
      "postgres://app:***@db/app",
      new Error("connect to postgres://app:hunter2@db/app refused"),
    );
    expect(failed.code).toBe("ERR_POSTGRES");
    expect(failed.message).not.toContain("hunter2");
  });
});
