/** The headers every answer carries, and the Host guard against DNS rebinding. */

/**
 * No inline script or style, nothing from another origin, no framing: the pages load only
 * `/assets/app.js` and `/assets/app.css`, and fetch only this origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/** Sets the security headers on `headers`. */
export function setSecurityHeaders(headers: Headers, api: boolean): void {
  headers.set("content-security-policy", CONTENT_SECURITY_POLICY);
  headers.set("x-content-type-options", "nosniff");
  headers.set("referrer-policy", "no-referrer");
  headers.set("x-frame-options", "DENY");
  headers.set("cross-origin-opener-policy", "same-origin");
  headers.set("cross-origin-resource-policy", "same-origin");
  if (api) headers.set("cache-control", "no-store");
}

/** The host name of a Host header (`[::1]:7777` gives `[::1]`), lower case. */
export function hostName(host: string | undefined): string {
  if (host === undefined) return "";
  const lower = host.toLowerCase();
  if (lower.startsWith("[")) return lower.slice(0, lower.indexOf("]") + 1);
  const colon = lower.indexOf(":");
  return colon === -1 ? lower : lower.slice(0, colon);
}

/** The names a dashboard bound to loopback answers to. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];
