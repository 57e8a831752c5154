/**
 * The dashboard's Hono app: security headers and the Host guard on everything, the login, the
 * auth wall, the JSON API under /api (writes behind --allow-writes and the CSRF token), the
 * static assets, and the HTML shell for every page.
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { apiRoutes } from "./api.js";
import { Assets } from "./assets.js";
import { bearerToken, COOKIE, localPath } from "./auth.js";
import type { DashboardContext } from "./context.js";
import { errorAnswer, HttpError } from "./http-errors.js";
import { LoginThrottle } from "./login-throttle.js";
import { hostName, setSecurityHeaders } from "./security.js";

const PAGES = [
  "/",
  "/streams/:stream",
  "/streams/:stream/events",
  "/streams/:stream/events/:eventId",
  "/streams/:stream/dead-letters",
];

export function dashboardApp(ctx: DashboardContext): Hono {
  const { auth, options } = ctx;
  const assets = new Assets(options.assetsDir);
  const throttle = new LoginThrottle();
  const app = new Hono();

  /** Whether the request's bearer header holds the token; a 429 while its address is throttled. */
  const bearerAccepted = (c: Context): boolean => {
    const bearer = bearerToken(c.req.header("authorization"));
    if (bearer === undefined) return false;
    const client = clientAddress(c);
    const waitMs = throttle.retryAfterMs(client);
    if (waitMs > 0) {
      throw new HttpError(
        429,
        "too-many-attempts",
        `Too many wrong tokens from this address: try again in ${retryAfterSeconds(waitMs)} s`,
        { "retry-after": retryAfterSeconds(waitMs) },
      );
    }
    const right = auth.isToken(bearer);
    if (right) throttle.succeeded(client);
    else throttle.failed(client);
    return right;
  };

  app.onError((error, c) => {
    const { status, code, message } = errorAnswer(error);
    const response = c.json({ error: { code, message } }, status as 400);
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.headers)) response.headers.set(name, value);
    }
    // Set here too: an error thrown by a middleware never returns through the one that sets them.
    setSecurityHeaders(response.headers, true);
    return response;
  });
  app.notFound((c) =>
    c.json({ error: { code: "not-found", message: `No such page: ${c.req.path}` } }, 404),
  );

  app.use("*", async (c, next) => {
    const allowed = options.allowedHosts;
    // A Request built in process has no Host header: its URL's host stands for it.
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (allowed !== undefined && !allowed.includes(hostName(host))) {
      throw new HttpError(
        403,
        "forbidden-host",
        "This dashboard does not answer to that Host name",
      );
    }
    await next();
    if (!c.res.headers.has("content-security-policy")) {
      try {
        setSecurityHeaders(c.res.headers, c.req.path.startsWith("/api/"));
      } catch {
        // Immutable headers (a Response passed through as is): rebuilt with ours.
        c.res = new Response(c.res.body, c.res);
        setSecurityHeaders(c.res.headers, c.req.path.startsWith("/api/"));
      }
    }
  });

  // Public: the login form and the assets it needs (they hold no data).
  app.get("/login", (c) => shell(c, assets.shell));
  app.post(
    "/login",
    bodyLimit({
      maxSize: 4 * 1024,
      onError: () => {
        throw new HttpError(413, "too-large", "The login form is larger than 4 KiB");
      },
    }),
    async (c) => {
      const form = await c.req.parseBody();
      const next = localPath(form.next);
      if (!auth.required) return c.redirect(next, 303);
      const client = clientAddress(c);
      const waitMs = throttle.retryAfterMs(client);
      if (waitMs > 0) {
        c.header("retry-after", retryAfterSeconds(waitMs));
        return c.redirect(`/login?error=throttled&next=${encodeURIComponent(next)}`, 303);
      }
      if (!auth.isToken(form.token)) {
        throttle.failed(client);
        return c.redirect(`/login?error=1&next=${encodeURIComponent(next)}`, 303);
      }
      throttle.succeeded(client);
      const secure = new URL(c.req.url).protocol === "https:" ? "; Secure" : "";
      c.header(
        "set-cookie",
        `${COOKIE}=${auth.sessionValue}; Path=/; HttpOnly; SameSite=Strict${secure}`,
      );
      return c.redirect(next, 303);
    },
  );
  app.post("/logout", (c) => {
    c.header("set-cookie", `${COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return c.redirect("/login", 303);
  });
  app.get("/assets/:name", (c) => {
    const asset = assets.get(c.req.param("name"));
    if (asset === undefined) throw new HttpError(404, "not-found", "No such asset");
    c.header("cache-control", "no-cache");
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { "content-type": asset.type });
  });

  // The wall: everything below needs the token when one is configured.
  app.use("*", async (c, next) => {
    const bySession = !auth.required || auth.hasSession(c.req.header("cookie"));
    // A request with the right bearer token is no cross-site request: a browser never adds that
    // header to a request another site makes it send. Its writes need no CSRF token (scripts).
    const byBearer = !bySession && bearerAccepted(c);
    if (!bySession && !byBearer) {
      if (c.req.path.startsWith("/api/")) {
        throw new HttpError(
          401,
          "unauthorized",
          "This dashboard needs its token: log in, or send Authorization: Bearer <token>",
        );
      }
      return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && c.req.path.startsWith("/api/")) {
      if (!options.allowWrites) {
        throw new HttpError(
          403,
          "read-only",
          "This dashboard is read-only: start it with --allow-writes (allowWrites) to requeue or delete",
        );
      }
      if (!byBearer && !auth.csrfOk(c.req.header("x-csrf-token"))) {
        throw new HttpError(
          403,
          "csrf",
          "A write needs the header x-csrf-token set to GET /api/session's csrfToken (or the dashboard's token as Authorization: Bearer)",
        );
      }
    }
    await next();
  });

  app.route("/api", apiRoutes(ctx));
  app.all("/api/*", () => {
    throw new HttpError(404, "not-found", "No such API endpoint (see docs/dashboard-api.md)");
  });
  for (const page of PAGES) app.get(page, (c) => shell(c, assets.shell));
  return app;
}

function shell(c: Context, asset: { readonly body: Uint8Array; readonly type: string }): Response {
  c.header("cache-control", "no-cache");
  return c.body(asset.body as Uint8Array<ArrayBuffer>, 200, { "content-type": asset.type });
}

/**
 * The client's address, which the throttle counts wrong tokens by: the socket's peer through
 * the Node listener. A fetch-style call carries none, so all such clients count as one.
 */
function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? "unknown";
}

function retryAfterSeconds(ms: number): string {
  return String(Math.ceil(ms / 1_000));
}
