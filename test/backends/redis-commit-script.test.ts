import { expect, it } from "vitest";
import { COMMIT } from "../../src/backends/redis/scripts.js";
import { readStream, uniqueKey } from "../fault/support.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

describeRedis("The commit script", () => {
  const fixture = usePrivateRedis();

  /** Runs COMMIT for `consumer` over entries given as [id, ...event JSON texts]. */
  async function commit(
    key: string,
    consumer: string,
    entries: readonly (readonly [string, ...string[]])[],
  ): Promise<number[]> {
    const args: (string | number)[] = ["g", consumer, 0, 100];
    for (const [id, ...events] of entries) args.push(id, events.length, ...events);
    return (await fixture.redis.eval(COMMIT.source, 1, key, ...args)) as number[];
  }

  it("adds and acks an owned entry; tells one acked already (a commit sent twice) from one another consumer owns", async () => {
    const key = uniqueKey("commit-script");
    const redis = fixture.redis;
    await redis.call("XGROUP", "CREATE", key, "g", "0", "MKSTREAM");
    const mine = await redis.xadd(key, "*", "event", "{}");
    const theirs = await redis.xadd(key, "*", "event", "{}");
    await redis.call("XREADGROUP", "GROUP", "g", "me", "COUNT", "1", "STREAMS", key, ">");
    await redis.call("XREADGROUP", "GROUP", "g", "them", "COUNT", "1", "STREAMS", key, ">");

    expect(await commit(key, "me", [[mine as string, '{"a":1}']])).toEqual([1]);
    expect(await commit(key, "me", [[mine as string, '{"a":1}'], [theirs as string]])).toEqual([
      -3, -1,
    ]);
    // The second call added nothing: one emitted event in all.
    expect(await redis.xlen(key)).toBe(3);
  });

  it("takes a negative count for events paired with headers, adding a headers field only when not empty", async () => {
    const key = uniqueKey("commit-script");
    const redis = fixture.redis;
    await redis.call("XGROUP", "CREATE", key, "g", "0", "MKSTREAM");
    const first = (await redis.xadd(key, "*", "event", "{}")) as string;
    const second = (await redis.xadd(key, "*", "event", "{}")) as string;
    await redis.call("XREADGROUP", "GROUP", "g", "me", "COUNT", "2", "STREAMS", key, ">");

    const args = ["g", "me", 0, 100];
    args.push(first, -2, '{"a":1}', '{"h":"1"}', '{"a":2}', "");
    args.push(second, 1, '{"b":1}');
    expect(await redis.eval(COMMIT.source, 1, key, ...args)).toEqual([2, 1]);

    const added = (await readStream(redis, key)).slice(2).map((entry) => entry.fields);
    expect(added).toEqual([
      { event: '{"a":1}', headers: '{"h":"1"}' },
      { event: '{"a":2}' },
      { event: '{"b":1}' },
    ]);
  });

  it("walks paired arguments right when the group is gone", async () => {
    const key = uniqueKey("commit-script");
    await fixture.redis.xadd(key, "*", "event", "{}");
    const args = ["g", "me", 0, 100, "1-1", -1, "{}", '{"h":"1"}', "1-2", 1, "{}", "1-3", 0];
    expect(await fixture.redis.eval(COMMIT.source, 1, key, ...args)).toEqual([-2, -2, -2]);
  });
});
