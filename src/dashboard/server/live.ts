/**
 * `/api/live`: Server-Sent Events, one message per sample of the shared sampler, until the
 * client goes (or the dashboard closes). The number of open feeds is bounded.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { DashboardContext } from "./context.js";
import { errorAnswer, HttpError } from "./http-errors.js";
import type { LiveMessage } from "./sampler.js";

/** The most live feeds open at once. */
export const MAX_LIVE_FEEDS = 64;

export function liveRoute(ctx: DashboardContext): (c: Context) => Response {
  let open = 0;
  return (c) => {
    if (open >= MAX_LIVE_FEEDS) {
      throw new HttpError(503, "too-many-feeds", `${MAX_LIVE_FEEDS} live feeds are open already`);
    }
    ctx.sampler.start();
    open++;
    return streamSSE(c, async (stream) => {
      const queue: (LiveMessage | Error)[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = ctx.sampler.subscribe((message) => {
        // A slow client keeps only the newest message: nothing piles up.
        queue.length = 0;
        queue.push(message);
        wake?.();
      });
      const closed = new Promise<void>((resolve) => {
        stream.onAbort(resolve);
        ctx.closed.then(resolve, resolve);
      });
      closed.then(() => wake?.());
      try {
        const first = ctx.sampler.latest;
        if (first !== undefined) await stream.writeSSE({ data: JSON.stringify(first) });
        while (!stream.aborted && !stream.closed && !ctx.isClosed) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
            });
            wake = undefined;
            continue;
          }
          const message = queue.shift() as LiveMessage | Error;
          await stream.writeSSE(
            message instanceof Error
              ? { event: "error", data: JSON.stringify({ message: errorAnswer(message).message }) }
              : { data: JSON.stringify(message) },
          );
        }
      } finally {
        unsubscribe();
        open--;
      }
    });
  };
}
