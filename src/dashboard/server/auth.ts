/**
 * Who may use the dashboard: the token (a cookie set by the login form, or a bearer header), and
 * the CSRF token every write must carry. Tokens are compared in constant time, and the cookie
 * holds a value derived from the token, never the token itself.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The session cookie's name. */
export const COOKIE = "necrostack_dashboard";

export class Auth {
  readonly #token: string | undefined;
  readonly #session: string | undefined;
  /** The CSRF token of this dashboard's lifetime (random, so a page of an earlier run fails). */
  readonly csrfToken: string;

  constructor(token: string | undefined) {
    this.#token = token;
    this.#session =
      token === undefined
        ? undefined
        : createHmac("sha256", token).update("necrostack-dashboard-session").digest("hex");
    this.csrfToken = randomBytes(24).toString("base64url");
  }

  /** Whether a token is configured at all. */
  get required(): boolean {
    return this.#token !== undefined;
  }

  /** The cookie value a correct login sets. */
  get sessionValue(): string {
    return this.#session ?? "";
  }

  /** Whether the request's Cookie header holds the session a right login set. */
  hasSession(cookieHeader: string | undefined): boolean {
    if (this.#session === undefined) return false;
    const cookie = cookieValue(cookieHeader, COOKIE);
    return cookie !== undefined && same(cookie, this.#session);
  }

  /** Whether `given` is the token (the login form's field). */
  isToken(given: unknown): boolean {
    return this.#token !== undefined && typeof given === "string" && same(given, this.#token);
  }

  /** Whether a write's `x-csrf-token` header is this dashboard's CSRF token. */
  csrfOk(header: string | undefined): boolean {
    return header !== undefined && same(header, this.csrfToken);
  }
}

/** The token an `Authorization: Bearer <token>` header offers, if it is one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer (.+)$/i.exec(authorization ?? "")?.[1];
}

/** Compares in time that does not depend on where the two differ (hashes: equal lengths). */
function same(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** `next` if it is a path on this site, else `/` (never an address elsewhere: `//host`, `https:`). */
export function localPath(next: unknown): string {
  return typeof next === "string" && /^\/(?![/\\])/.test(next) && next.length <= 2_000 ? next : "/";
}
