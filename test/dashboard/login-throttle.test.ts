/**
 * Guessing the dashboard's token is throttled per client address: the counting itself with a
 * clock of the test's own, then a real HTTP server on loopback, where requests come from
 * different loopback addresses (127.0.0.2, 127.0.0.3) as from different machines.
 */
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  LoginThrottle,
  MAX_CLIENTS,
  MAX_FAILURES,
  WINDOW_MS,
} from "../../src/dashboard/server/login-throttle.js";
import { createDashboard, type Dashboard } from "../../src/dashboard.js";
import { RedisInspector } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

describe("LoginThrottle", () => {
  it("lets 10 wrong tokens through, then refuses the address until its minute is over", () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle(() => now);
    for (let i = 0; i < MAX_FAILURES; i++) {
      expect(throttle.retryAfterMs("a")).toBe(0);
      throttle.failed("a");
      now += 1_000;
    }
    // The window began with the first failure, 10 s ago.
    expect(throttle.retryAfterMs("a")).toBe(WINDOW_MS - 10_000);
    expect(throttle.retryAfterMs("b")).toBe(0);
    now += WINDOW_MS - 10_000;
    expect(throttle.retryAfterMs("a")).toBe(0);
    expect(throttle.size).toBe(0);
  });

  it("forgets an address's failures once it gives the right token", () => {
    const throttle = new LoginThrottle(() => 0);
    for (let i = 0; i < MAX_FAILURES - 1; i++) throttle.failed("a");
    throttle.succeeded("a");
    throttle.failed("a");
    expect(throttle.retryAfterMs("a")).toBe(0);
  });

  it(`remembers at most ${MAX_CLIENTS.toLocaleString("en-US")} addresses, dropping the one whose window ends first`, () => {
    let now = 0;
    const throttle = new LoginThrottle(() => now);
    for (let i = 0; i < MAX_FAILURES; i++) throttle.failed("first");
    for (let n = 1; n < MAX_CLIENTS; n++) throttle.failed(`10.0.${n >> 8}.${n & 255}`);
    now += 1;
    expect(throttle.size).toBe(MAX_CLIENTS);
    expect(throttle.retryAfterMs("first")).toBeGreaterThan(0);
    throttle.failed("one more");
    expect(throttle.size).toBe(MAX_CLIENTS);
    expect(throttle.retryAfterMs("first")).toBe(0);
  });
});

const TOKEN = "the-right-dashboard-token";

describeRedis("Dashboard token guessing, over HTTP", () => {
  const redis = usePrivateRedis();
  let dashboard: Dashboard;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    dashboard = createDashboard({
      inspector: new RedisInspector({ redisUrl: redis.server.url }),
      token: TOKEN,
    });
    server = createServer(dashboard.listener);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await dashboard?.close();
  });

  /** A request to the dashboard sent from the loopback address `from`. */
  function send(
    from: string,
    path: string,
    options: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port,
          path,
          method: options.method ?? "GET",
          localAddress: from,
          headers: options.headers,
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        },
      );
      req.on("error", reject);
      req.end(options.body);
    });
  }
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const login = (from: string, token: string) =>
    send(from, "/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, next: "/" }).toString(),
    });

  it("refuses an address's tokens, even the right one, after 10 wrong ones; other addresses and sessions go on", async () => {
    const loggedIn = await login("127.0.0.3", TOKEN);
    const session = String(loggedIn.headers["set-cookie"]).split(";")[0] as string;

    for (let i = 0; i < MAX_FAILURES; i++) {
      const wrong = await send("127.0.0.2", "/api/session", { headers: bearer(`guess-${i}`) });
      expect(wrong.status).toBe(401);
    }

    const right = await send("127.0.0.2", "/api/session", { headers: bearer(TOKEN) });
    expect(right.status).toBe(429);
    const retryAfter = Number(right.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1_000);

    const form = await login("127.0.0.2", TOKEN);
    expect(form.status).toBe(303);
    expect(form.headers.location).toBe("/login?error=throttled&next=%2F");
    expect(form.headers["set-cookie"]).toBeUndefined();

    // Another address, and a session cookie from an earlier login, are not throttled.
    expect((await send("127.0.0.1", "/api/session", { headers: bearer(TOKEN) })).status).toBe(200);
    expect((await send("127.0.0.2", "/api/session", { headers: { cookie: session } })).status).toBe(
      200,
    );
  });

  it("counts wrong logins of the form like wrong bearer tokens", async () => {
    for (let i = 0; i < MAX_FAILURES; i++) {
      const wrong = await login("127.0.0.4", `guess-${i}`);
      expect(wrong.headers.location).toBe("/login?error=1&next=%2F");
    }
    const right = await login("127.0.0.4", TOKEN);
    expect(right.headers.location).toBe("/login?error=throttled&next=%2F");
    expect((await send("127.0.0.4", "/api/session", { headers: bearer(TOKEN) })).status).toBe(429);
  });
});
