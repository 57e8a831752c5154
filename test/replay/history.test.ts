import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareEntryIds, planHistory } from "../../src/core/replay/history.js";
import { RedisInspector } from "../../src/redis.js";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";

describe("compareEntryIds", () => {
  it("orders Redis ids by time then sequence, and PostgreSQL seqs as numbers", () => {
    expect(compareEntryIds("1700000000000-2", "1700000000000-10")).toBeLessThan(0);
    expect(compareEntryIds("1700000000001-0", "1700000000000-99")).toBeGreaterThan(0);
    expect(compareEntryIds("9", "10")).toBeLessThan(0);
    expect(compareEntryIds("42", "42-0")).toBe(0);
    expect(() => compareEntryIds("x", "1")).toThrow(/Expected `entry id`/);
  });

  it("agrees with BigInt order (property)", () => {
    const id = fc.tuple(
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
    );
    fc.assert(
      fc.property(id, id, ([a, b], [c, d]) => {
        const expected = a === c ? (b === d ? 0 : b < d ? -1 : 1) : a < c ? -1 : 1;
        return Math.sign(compareEntryIds(`${a}-${b}`, `${c}-${d}`)) === expected;
      }),
    );
  });
});

describeRedis("planHistory over a RedisInspector", () => {
  let server: RedisServer;
  let inspector: RedisInspector;

  beforeAll(async () => {
    server = await RedisServer.start();
    inspector = new RedisInspector({ redisUrl: server.url });
  });

  afterAll(async () => {
    await inspector?.close();
    await server?.dispose();
  });

  it("hands out every entry once, oldest first, over pages, leaving out entries added after it planned", async () => {
    const redis = rawClient(server.url);
    const ids: string[] = [];
    for (let i = 0; i < 103; i++) ids.push((await redis.xadd("h", "*", "n", String(i))) as string);
    const plan = await planHistory(inspector, "h", { pageSize: 7 });
    expect(plan.entries).toBe(103);
    expect(plan.oldestKept?.entryId).toBe(ids[0]);
    await redis.xadd("h", "*", "n", "late");
    const seen: string[] = [];
    for await (const page of plan.pages()) for (const entry of page) seen.push(entry.entryId);
    expect(seen).toEqual(ids);
    const after = await planHistory(inspector, "h", { pageSize: 10, afterId: ids[90] });
    const rest: string[] = [];
    for await (const page of after.pages()) for (const entry of page) rest.push(entry.entryId);
    expect(rest.slice(0, 12)).toEqual(ids.slice(91));
    expect(after.oldestKept).toBeNull();
    redis.disconnect();
  });
});
