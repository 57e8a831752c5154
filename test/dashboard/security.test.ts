/**
 * The dashboard's security model, against a private Redis: the token (401 without it, the login
 * form's cookie, the bearer header), CSRF and read-only refusals of writes, the Host guard, the
 * headers every answer carries, user data only ever as JSON, and passwords masked.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createDashboard, type Dashboard } from "../../src/dashboard.js";
import { Event } from "../../src/index.js";
import { RedisBackend, RedisInspector } from "../../src/redis.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { getJson, postJson, SCRIPT_PAYLOAD } from "./fixture.js";

const TOKEN = "s3cret-dashboard-token";
const STREAM = "guarded";

describeRedis("Dashboard security", () => {
  const redis = usePrivateRedis();
  const url = () => redis.server.url.replace("redis://", "redis://:hunter2-pw@");
  let guarded: Dashboard;
  let readOnly: Dashboard;
  let scriptEventId: string;

  beforeAll(async () => {
    // Set on the running server: the test's own connection stays logged in.
    await redis.redis.config("SET", "requirepass", "hunter2-pw");
    const producer = new RedisBackend({ redisUrl: url(), streamKey: STREAM, logger: false });
    const event = new Event("NOTE", { text: SCRIPT_PAYLOAD, html: "<img src=x onerror=alert(1)>" });
    scriptEventId = event.id;
    await producer.enqueue(event);
    await producer.close();
    guarded = createDashboard({
      inspector: new RedisInspector({ redisUrl: url() }),
      token: TOKEN,
      allowWrites: true,
      allowedHosts: ["127.0.0.1", "localhost"],
    });
    readOnly = createDashboard({ inspector: new RedisInspector({ redisUrl: url() }) });
  });
  afterAll(async () => {
    await guarded?.close();
    await readOnly?.close();
  });

  const bearer = { authorization: `Bearer ${TOKEN}` };

  it("answers 401 JSON to an API call without the token, and sends a page to the login form", async () => {
    const api = await getJson<{ error: { code: string } }>(guarded.fetch, "/api/overview");
    expect(api.status).toBe(401);
    expect(api.body.error.code).toBe("unauthorized");
    const wrong = await getJson(guarded.fetch, "/api/overview", {
      authorization: "Bearer nope-nope-nope",
    });
    expect(wrong.status).toBe(401);
    const page = await guarded.fetch(new Request(`http://127.0.0.1/streams/${STREAM}`));
    expect(page.status).toBe(303);
    expect(page.headers.get("location")).toBe(
      `/login?next=${encodeURIComponent(`/streams/${STREAM}`)}`,
    );
  });

  it("lets the bearer header through", async () => {
    const { status } = await getJson(guarded.fetch, "/api/overview", bearer);
    expect(status).toBe(200);
  });

  it("sets an HttpOnly SameSite=Strict cookie on a right login, which then lets pages and the API through", async () => {
    const login = await guarded.fetch(
      new Request("http://127.0.0.1/login", {
        method: "POST",
        body: new URLSearchParams({ token: TOKEN, next: "/streams/x" }),
      }),
    );
    expect(login.status).toBe(303);
    expect(login.headers.get("location")).toBe("/streams/x");
    const cookie = login.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // The cookie holds a value derived from the token, never the token itself.
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(";")[0] as string;
    expect((await getJson(guarded.fetch, "/api/session", { cookie: session })).status).toBe(200);
    const page = await guarded.fetch(
      new Request("http://127.0.0.1/", { headers: { cookie: session } }),
    );
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
  });

  it("sends a wrong login back to the form, and never redirects to another site", async () => {
    const wrong = await guarded.fetch(
      new Request("http://127.0.0.1/login", {
        method: "POST",
        body: new URLSearchParams({ token: "guess-guess" }),
      }),
    );
    expect(wrong.status).toBe(303);
    expect(wrong.headers.get("location")).toMatch(/^\/login\?error=1/);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const offsite = await guarded.fetch(
      new Request("http://127.0.0.1/login", {
        method: "POST",
        body: new URLSearchParams({ token: TOKEN, next: "//evil.example/" }),
      }),
    );
    expect(offsite.headers.get("location")).toBe("/");
  });

  it("refuses a write by a logged-in browser without the session's CSRF token (403), and takes it with", async () => {
    const login = await guarded.fetch(
      new Request("http://127.0.0.1/login", {
        method: "POST",
        body: new URLSearchParams({ token: TOKEN }),
      }),
    );
    const cookie = { cookie: (login.headers.get("set-cookie") ?? "").split(";")[0] as string };
    const path = `/api/streams/${STREAM}/dead-letters/delete`;
    const refused = await postJson<{ error: { code: string } }>(
      guarded.fetch,
      path,
      { entryIds: ["1-1"] },
      cookie,
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("csrf");
    const forged = await postJson(
      guarded.fetch,
      path,
      { entryIds: ["1-1"] },
      { ...cookie, "x-csrf-token": "forged" },
    );
    expect(forged.status).toBe(403);
    const session = await getJson<{ csrfToken: string; writes: boolean; tokenRequired: boolean }>(
      guarded.fetch,
      "/api/session",
      cookie,
    );
    expect(session.body).toMatchObject({ writes: true, tokenRequired: true });
    const ok = await postJson(
      guarded.fetch,
      path,
      { entryIds: ["1-1"] },
      { ...cookie, "x-csrf-token": session.body.csrfToken },
    );
    expect(ok).toEqual({ status: 200, body: { deleted: [], missing: ["1-1"] } });
  });

  it("takes a write with the bearer token and no CSRF token: no other site can make a browser send that header", async () => {
    const ok = await postJson(
      guarded.fetch,
      `/api/streams/${STREAM}/dead-letters/delete`,
      { entryIds: ["1-2"] },
      bearer,
    );
    expect(ok).toEqual({ status: 200, body: { deleted: [], missing: ["1-2"] } });
  });

  it("refuses every write on a read-only dashboard (403), even with the CSRF token", async () => {
    const session = await getJson<{ csrfToken: string; writes: boolean; tokenRequired: boolean }>(
      readOnly.fetch,
      "/api/session",
    );
    expect(session.body).toMatchObject({ writes: false, tokenRequired: false });
    for (const action of ["requeue", "delete"]) {
      const { status, body } = await postJson<{ error: { code: string } }>(
        readOnly.fetch,
        `/api/streams/${STREAM}/dead-letters/${action}`,
        { entryIds: ["1-1"] },
        { "x-csrf-token": session.body.csrfToken },
      );
      expect(status).toBe(403);
      expect(body.error.code).toBe("read-only");
    }
  });

  it("answers 403 to a Host name it does not serve (DNS rebinding)", async () => {
    const response = await guarded.fetch(
      new Request("http://rebound.example:7777/api/overview", { headers: bearer }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
  });

  it("returns a payload holding markup as JSON data only, with nosniff and a CSP forbidding inline script", async () => {
    const { response, body } = await getJson<{
      event: { payload: { text: string; html: string } };
    }>(readOnly.fetch, `/api/streams/${STREAM}/events/${scriptEventId}`);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
    expect(response.headers.get("content-security-policy")).not.toMatch(/unsafe-inline/);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(body.event.payload.text).toBe(SCRIPT_PAYLOAD);
    // No page carries data: the shell is the same static file whatever the stream holds.
    const page = await readOnly.fetch(
      new Request(`http://127.0.0.1/streams/${STREAM}/events/${scriptEventId}`),
    );
    const html = await page.text();
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("onerror");
    expect(page.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
  });

  it("never shows the backend's password: session, health, and errors mask it", async () => {
    const session = await getJson<{ backend: { url: string } }>(readOnly.fetch, "/api/session");
    expect(session.body.backend.url).toBe(url().replace("hunter2-pw", "***"));
    const overview = await getJson(readOnly.fetch, "/api/overview");
    expect(JSON.stringify(overview.body)).not.toContain("hunter2-pw");
    const wrongPassword = createDashboard({
      inspector: new RedisInspector({
        redisUrl: redis.server.url.replace("redis://", "redis://:wrong-pw@"),
      }),
    });
    try {
      const failed = await getJson<{ error: { code: string; message: string } }>(
        wrongPassword.fetch,
        "/api/overview",
      );
      expect(failed.status).toBe(503);
      expect(failed.body.error.code).toBe("backend-unavailable");
      expect(failed.body.error.message).not.toContain("wrong-pw");
      expect(failed.body.error.message).toContain("***");
    } finally {
      await wrongPassword.close();
    }
  });
});
