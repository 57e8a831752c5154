/** Failures as API answers: `{ error: { code, message } }` with a status that says whose fault. */
import { NecroStackError } from "../../core/errors.js";
import { InspectQueryError, StreamNotInspectedError } from "../../core/inspect/errors.js";
import { maskSecrets } from "../../utils/redact.js";

/** A failure the API answers with `status` and `code`. */
export class HttpError extends Error {
  readonly status: 400 | 401 | 403 | 404 | 413 | 429 | 501 | 503;
  readonly code: string;
  /** Headers the answer carries besides the usual ones (`retry-after` of a 429). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: HttpError["status"],
    code: string,
    message: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/** The backend did not answer within the request timeout. */
export class RequestTimeoutError extends NecroStackError {
  constructor(ms: number) {
    super(`The backend did not answer within ${ms} ms (requestTimeoutMs)`, "ERR_DASHBOARD_TIMEOUT");
  }
}

/** How a failure is answered. */
export function errorAnswer(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof HttpError)
    return { status: error.status, code: error.code, message: error.message };
  if (error instanceof InspectQueryError)
    return { status: 400, code: "bad-request", message: error.message };
  if (error instanceof StreamNotInspectedError) {
    return { status: 404, code: "not-found", message: error.message };
  }
  if (error instanceof RequestTimeoutError) {
    return { status: 503, code: "backend-unavailable", message: error.message };
  }
  if (error instanceof NecroStackError) {
    // The inspectors' errors (Redis, PostgreSQL): the backend failed or is unreachable.
    return { status: 503, code: "backend-unavailable", message: maskSecrets(error.message) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, code: "internal", message: maskSecrets(message) };
}
