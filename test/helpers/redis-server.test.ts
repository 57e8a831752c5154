import { afterAll, beforeAll, expect, it } from "vitest";
import { describeRedis, RedisServer } from "./redis-server.js";

describeRedis("RedisServer (test helper)", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server.dispose();
  });

  it("starts on a loopback port, survives a kill, and starts again on the same port", async () => {
    expect(server.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const port = server.port;
    await server.kill();
    expect(server.running).toBe(false);
    await server.start();
    expect(server.running).toBe(true);
    expect(server.port).toBe(port);
  });
});

describeRedis("RedisServer with a password (test helper)", () => {
  it("is ready once it answers, even when it only answers NOAUTH", async () => {
    const server = await RedisServer.start({ args: ["--requirepass", "s3cret"] });
    try {
      expect(server.running).toBe(true);
    } finally {
      await server.dispose();
    }
  });
});
