/** Calls to the dashboard's JSON API, same origin, with the session cookie. */
import type { Session } from "./api-types.js";

/** An answer other than 2xx: the server's `{ error: { code, message } }`, or the status. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** `/api/streams/<stream><rest>`, the stream name encoded as one path segment. */
export function streamApi(stream: string, rest = ""): string {
  return `/api/streams/${encodeURIComponent(stream)}${rest}`;
}

/** A page's path under `/streams/<stream>`. */
export function streamPage(stream: string, rest = ""): string {
  return `/streams/${encodeURIComponent(stream)}${rest}`;
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 401) {
    // The token is missing or no longer valid: the login form, then back here.
    window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname)}`);
    throw new ApiError(401, "unauthorized", "Not logged in");
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === "" ? null : JSON.parse(text);
  } catch {
    body = null;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    throw new ApiError(
      response.status,
      typeof error?.code === "string" ? error.code : `http-${response.status}`,
      typeof error?.message === "string"
        ? error.message
        : `${response.status} ${response.statusText}`,
    );
  }
  return body as T;
}

/** GET a JSON document. */
export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = { headers: { accept: "application/json" }, credentials: "same-origin" };
  if (signal !== undefined) init.signal = signal;
  return answer<T>(await fetch(url, init));
}

/** POST JSON with the session's CSRF token. */
export async function postJson<T>(url: string, session: Session, body: unknown): Promise<T> {
  return answer<T>(
    await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        accept: "application/json",
        "content-type": "application/json",
        "x-csrf-token": session.csrfToken,
      },
      body: JSON.stringify(body),
    }),
  );
}
