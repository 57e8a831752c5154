/**
 * The schema registry on PostgreSQL from the command line: `necrostack schema --backend
 * postgres://` and `necrostack worker --backend postgres:// --catalog`, on a private cluster.
 */
import { afterEach, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { recordingIO } from "../cli/io.js";
import { WorkerProcess } from "../fixtures/worker-process.js";
import { describePostgres } from "../helpers/postgres-server.js";
import { usePrivatePostgres } from "../helpers/private-postgres.js";
import { uniqueStream } from "../postgres/support.js";

const FIXTURES = "test/registry/fixtures";

describePostgres(
  "necrostack schema and worker --catalog on PostgreSQL",
  { timeout: 60_000 },
  () => {
    const pg = usePrivatePostgres();
    afterEach(() => WorkerProcess.killAll());
    const run = async (...argv: string[]) => {
      const io = recordingIO();
      const code = await main(["schema", ...argv], io);
      return { code, out: io.out, err: io.err };
    };

    it("publishes a catalog into the stream's tables, lists it, and refuses a breaking version", async () => {
      const stream = uniqueStream("reg");
      const on = ["--backend", pg.server.url, "--stream", stream];
      expect(await run("publish", "--catalog", `${FIXTURES}/orders-v1.ts`, ...on)).toEqual({
        code: 0,
        out: "ORDER_PAID v1: registered (new type)\nORDER_PLACED v1: registered (new type)\n",
        err: "",
      });
      const listed = await run("list", ...on);
      expect(listed.out).toMatch(/ORDER_PLACED\s+1\s+BACKWARD \(default\)/);
      const refused = await run("publish", "--catalog", `${FIXTURES}/orders-v2-breaking.ts`, ...on);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(
        `refused by the registry necrostack.${stream}_schemas at ${pg.server.url}; nothing was registered:`,
      );
    });

    it("refuses --schema with a Redis URL, naming it", async () => {
      const refused = await run("list", "--backend", "redis://127.0.0.1:1", "--schema", "s");
      expect(refused.code).toBe(2);
      expect(refused.err).toContain("--schema applies only to PostgreSQL");
    });

    it("starts a worker whose catalog matches, and refuses one whose catalog changed a registered version", async () => {
      const stream = uniqueStream("work");
      const on = ["--backend", pg.server.url, "--stream", stream];
      expect((await run("publish", "--catalog", `${FIXTURES}/orders-v1.ts`, ...on)).code).toBe(0);
      const start = (catalog: string) =>
        WorkerProcess.spawn([
          ...["worker", "--organs", `${FIXTURES}/order-organs.ts`, ...on],
          ...["--catalog", `${FIXTURES}/${catalog}`],
        ]);
      const good = start("orders-v1.ts");
      await good.listening();
      good.signal("SIGTERM");
      await good.exitsCleanly(20_000);
      const bad = start("orders-v1-changed.ts");
      expect((await bad.waitForExit(30_000)).code).toBe(1);
      expect(bad.stderr).toContain(
        `conflicts with the schema registry necrostack.${stream}_schemas at ${pg.server.url}:`,
      );
    });
  },
);
