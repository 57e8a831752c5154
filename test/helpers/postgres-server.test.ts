import { existsSync } from "node:fs";
import { expect, it } from "vitest";
import { describePostgres, PostgresServer } from "./postgres-server.js";
import { rawPool } from "./private-postgres.js";

describePostgres("PostgresServer (test helper)", () => {
  it("runs a private cluster on a loopback port that keeps its data across a kill and a restart, and removes it on dispose", async () => {
    const server = await PostgresServer.start({ fsync: true });
    try {
      expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(server.port).not.toBe(5432);
      const pool = rawPool(server.url);
      try {
        const { rows } = await pool.query("SHOW listen_addresses");
        expect(rows).toEqual([{ listen_addresses: "127.0.0.1" }]);
        await pool.query("CREATE TABLE kept (n int)");
        await pool.query("INSERT INTO kept VALUES (1)");
        const port = server.port;
        await server.kill();
        expect(server.running).toBe(false);
        await server.start();
        expect(server.port).toBe(port);
        await server.restart();
        const { rows: kept } = await pool.query("SELECT n FROM kept");
        expect(kept).toEqual([{ n: 1 }]);
      } finally {
        await pool.end();
      }
    } finally {
      await server.dispose();
    }
    expect(existsSync(server.dir)).toBe(false);
  }, 60_000);

  it("turns fsync off unless asked", async () => {
    const server = await PostgresServer.start();
    const pool = rawPool(server.url);
    try {
      const { rows } = await pool.query("SHOW fsync");
      expect(rows).toEqual([{ fsync: "off" }]);
    } finally {
      await pool.end();
      await server.dispose();
    }
  }, 60_000);
});
