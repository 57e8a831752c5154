import { afterEach, describe, expect, it } from "vitest";
import { HttpEndpoint, type Readiness } from "../../src/cli/http-endpoint.js";
import { httpEndpointFlags } from "../../src/cli/http-endpoint-flags.js";
import { createLogger } from "../../src/index.js";

const log = createLogger({ level: "silent" });
const open: HttpEndpoint[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function serve(readiness: Readiness = { ready: true }, token?: string): Promise<string> {
  const endpoint = await HttpEndpoint.listen(
    { host: "127.0.0.1", port: 0, token },
    {
      metrics: async () => ({
        contentType: "text/plain; version=0.0.4; charset=utf-8",
        body: "x 1\n",
      }),
      readiness: async () => readiness,
    },
    log,
  );
  open.push(endpoint);
  return endpoint.url;
}

describe("HttpEndpoint", () => {
  it("serves /metrics with the metrics' content type, /healthz and /readyz", async () => {
    const url = await serve();
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(await metrics.text()).toBe("x 1\n");
    expect(await (await fetch(`${url}/healthz`)).text()).toBe("ok\n");
    expect(await (await fetch(`${url}/readyz?verbose=1`)).text()).toBe("ready\n");
  });

  it("answers /readyz 503 with the reason when not ready", async () => {
    const url = await serve({ ready: false, reason: "the backend is unreachable: ECONNREFUSED" });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("not ready: the backend is unreachable: ECONNREFUSED\n");
  });

  it("answers 404 for other paths, 405 for other methods, and HEAD with no body", async () => {
    const url = await serve();
    expect((await fetch(`${url}/`)).status).toBe(404);
    const post = await fetch(`${url}/metrics`, { method: "POST" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    const head = await fetch(`${url}/healthz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("answers 401 without the bearer token, and serves with it", async () => {
    const url = await serve({ ready: true }, "tok");
    expect((await fetch(`${url}/healthz`)).status).toBe(401);
    expect(
      (await fetch(`${url}/healthz`, { headers: { authorization: "Bearer tok2" } })).status,
    ).toBe(401);
    expect(
      (await fetch(`${url}/healthz`, { headers: { authorization: "Bearer tok" } })).status,
    ).toBe(200);
  });

  it("rejects listen() when the port is taken", async () => {
    const url = await serve();
    const port = Number(new URL(url).port);
    await expect(
      HttpEndpoint.listen(
        { host: "127.0.0.1", port, token: undefined },
        {
          metrics: async () => ({ contentType: "text/plain", body: "" }),
          readiness: async () => ({ ready: true }),
        },
        log,
      ),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});

describe("httpEndpointFlags", () => {
  const flags = (values: Record<string, string>, env: NodeJS.ProcessEnv = {}) =>
    httpEndpointFlags("worker", values, env);

  it("is off without --http", () => {
    expect(flags({})).toBeUndefined();
  });

  it("binds a bare port to loopback", () => {
    expect(flags({ http: "9464" })).toEqual({ host: "127.0.0.1", port: 9464, token: undefined });
  });

  it("takes a host, an IPv6 host in brackets, and the token from the flag or the environment", () => {
    expect(flags({ http: "0.0.0.0:9464", "http-token": "t" })).toEqual({
      host: "0.0.0.0",
      port: 9464,
      token: "t",
    });
    expect(flags({ http: "[::1]:9464" }, { NECROSTACK_HTTP_TOKEN: "e" })).toEqual({
      host: "::1",
      port: 9464,
      token: "e",
    });
  });

  it("rejects a malformed address, naming the flag and the value", () => {
    expect(() => flags({ http: "localhost:99999" })).toThrow(
      'necrostack worker: expected `--http` to be [HOST:]PORT such as 127.0.0.1:9464 or 9464 (port 0 picks a free one), got "localhost:99999"',
    );
    expect(() => flags({ http: "nope" })).toThrow(/`--http`/);
  });

  it("rejects --http-token without --http", () => {
    expect(() => flags({ "http-token": "t" })).toThrow(/turn it on with --http/);
  });
});
