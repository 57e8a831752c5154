/**
 * The handler timeout, as built-in middleware: an asynchronous handler that has not settled
 * within `ms` fails with `HandlerTimeoutError`, and its context's signal aborts so it can stop
 * what it started. Its late result is ignored. A synchronous handler cannot be timed out.
 */

import { isThenable } from "../utils/thenable.js";
import { withDeadline } from "../utils/timing.js";
import { ABORT } from "./context.js";
import { HandlerTimeoutError } from "./errors.js";
import type { Handler, HandlerResult, Middleware } from "./handler.js";

export function timeoutMiddleware(ms: number): Middleware {
  return (next: Handler, organ): Handler =>
    (event, ctx) => {
      const result = next(event, ctx);
      if (!isThenable<HandlerResult>(result)) return result;
      return withDeadline(result, ms, () => {
        const error = new HandlerTimeoutError(organ.name, event, ms);
        (ctx as { [ABORT]?: (reason: unknown) => void })[ABORT]?.(error);
        return error;
      });
    };
}
