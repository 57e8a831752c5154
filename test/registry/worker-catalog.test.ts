import { randomUUID } from "node:crypto";
import { afterEach, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { WorkerProcess, waitUntil } from "../fixtures/worker-process.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

const FIXTURES = "test/registry/fixtures";
const ORGANS = `${FIXTURES}/order-organs.ts`;

const quietIO = { stdout() {}, stderr() {}, env: {}, cwd: process.cwd() };

describeRedis("necrostack worker --catalog", () => {
  const redis = usePrivateRedis();
  afterEach(async () => {
    await WorkerProcess.killAll();
  });

  async function publishV1(stream: string): Promise<void> {
    const argv = [
      "schema",
      "publish",
      "--catalog",
      `${FIXTURES}/orders-v1.ts`,
      "--redis",
      redis.server.url,
      "--stream",
      stream,
    ];
    expect(await main(argv, quietIO)).toBe(0);
  }

  function worker(stream: string, catalog: string): WorkerProcess {
    return WorkerProcess.start({
      redisUrl: redis.server.url,
      organs: ORGANS,
      args: ["--catalog", catalog, "--stream", stream],
    });
  }

  it("refuses to start, exit 1, when its catalog changed a registered version, saying why", async () => {
    const stream = `worker-catalog:${randomUUID()}`;
    await publishV1(stream);
    const child = worker(stream, `${FIXTURES}/orders-v1-changed.ts`);
    const exit = await child.waitForExit(30_000);
    expect(exit.code).toBe(1);
    expect(child.stdout).not.toContain("listening");
    expect(child.stderr).toContain(
      `necrostack worker: the catalog ${FIXTURES}/orders-v1-changed.ts conflicts with the schema registry ${stream}:schemas at ${redis.server.url}:`,
    );
    expect(child.stderr).toMatch(
      /ORDER_PLACED v1: version-mismatch .*\n\s+ORDER_PLACED v1 is registered with another schema/,
    );
    expect(child.stderr).toMatch(/necrostack: error: Starting the worker with catalog .* refused/);
  }, 40_000);

  it("refuses to start when its catalog's new version breaks the type's mode, naming the fields", async () => {
    const stream = `worker-catalog:${randomUUID()}`;
    await publishV1(stream);
    const child = worker(stream, `${FIXTURES}/orders-v2-breaking.ts`);
    expect((await child.waitForExit(30_000)).code).toBe(1);
    expect(child.stderr).toContain("payload.total: type changed");
    expect(child.stderr).toContain(
      "payload.currency: required field currency was added without a default",
    );
  }, 40_000);

  it("starts with a catalog that matches the registry, validates with it, and stops cleanly", async () => {
    const stream = `worker-catalog:${randomUUID()}`;
    await publishV1(stream);
    const child = worker(stream, `${FIXTURES}/orders-v1.ts`);
    await child.listening();
    // An ORDER_PLACED whose payload breaks the catalog's schema is dead-lettered with its issues.
    const argv = [
      "enqueue",
      "--redis",
      redis.server.url,
      "--stream",
      stream,
      "--type",
      "ORDER_PLACED",
      "--payload",
      '{"orderId":1}',
    ];
    expect(await main(argv, quietIO)).toBe(0);
    await waitUntil(
      "the invalid event is dead-lettered",
      async () => (await redis.redis.xlen(`${stream}:dlq`)) === 1,
      { timeoutMs: 20_000, describe: async () => child.stderr },
    );
    const entries = await redis.redis.xrange(`${stream}:dlq`, "-", "+");
    // The dead letter's reason names the field that failed the catalog's schema.
    const fields = entries[0]?.[1] ?? [];
    expect(fields[fields.indexOf("reason") + 1]).toMatch(/orderId/);
    child.signal("SIGTERM");
    expect((await child.waitForExit(20_000)).code).toBe(0);
  }, 60_000);

  it("refuses to start, exit 1, when the registry cannot be reached, with the password masked", async () => {
    const child = WorkerProcess.start({
      redisUrl: "redis://:hunter2@127.0.0.1:1",
      organs: ORGANS,
      args: ["--catalog", `${FIXTURES}/orders-v1.ts`, "--command-timeout-ms", "300"],
    });
    expect((await child.waitForExit(30_000)).code).toBe(1);
    expect(child.stderr).toMatch(/necrostack: error: Redis schema registry read \(HMGET\) failed/);
    expect(child.stderr).not.toContain("hunter2");
    expect(child.stdout).not.toContain("listening");
  }, 40_000);

  it("starts with a catalog whose types are not registered yet", async () => {
    const stream = `worker-catalog:${randomUUID()}`;
    const child = worker(stream, `${FIXTURES}/orders-v1.ts`);
    await child.listening();
    child.signal("SIGTERM");
    expect((await child.waitForExit(20_000)).code).toBe(0);
  }, 40_000);
});
