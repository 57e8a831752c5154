/**
 * The JSON API (docs/dashboard-api.md), over the inspection contract and the core's bounded
 * reads, search and trace. Every backend call goes through `ctx.call` (the request timeout).
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ValidEventRow } from "../../core/inspect/event-row.js";
import type { StreamCounters } from "../../core/inspect/inspector.js";
import { payloadQuery } from "../../core/inspect/payload-match.js";
import {
  type DeadLetterRow,
  findEvent,
  listDeadLetters,
  MAX_PAGE,
  MAX_WINDOW,
  readEvents,
} from "../../core/inspect/read.js";
import { searchEvents } from "../../core/inspect/search.js";
import { traceEvent } from "../../core/inspect/trace.js";
import type { DashboardContext } from "./context.js";
import { HttpError } from "./http-errors.js";
import { liveRoute } from "./live.js";
import { entryIdsOf, intParam, textParam, timeParam, typesParam } from "./query.js";

export function apiRoutes(ctx: DashboardContext): Hono {
  const api = new Hono();
  const { inspector, options } = ctx;

  api.get("/session", (c) =>
    c.json({
      writes: options.allowWrites,
      tokenRequired: ctx.auth.required,
      csrfToken: ctx.auth.csrfToken,
      backend: {
        kind: inspector.kind,
        url: inspector.target,
        capabilities: inspector.capabilities,
      },
      endpoints: options.endpoints,
      staleMs: options.staleMs,
    }),
  );

  api.get("/health", async (c) => {
    const health = await ctx.call(ctx.health());
    return c.json(health, health.healthy ? 200 : 503);
  });

  api.get("/overview", async (c) => {
    ctx.sampler.start();
    const [health, listed] = await Promise.all([ctx.call(ctx.health()), ctx.streams()]);
    const counters = await ctx.call(
      Promise.all(listed.streams.map((name) => inspector.counters(name))),
    );
    return c.json({
      health,
      streams: listed.streams.map((name, i) => {
        const counted = counters[i] as StreamCounters;
        return {
          name,
          length: counted.length,
          deadLetters: counted.deadLetters,
          pending: counted.pending,
          lag: counted.lag,
          groups: counted.groups,
          rates: ctx.sampler.rates(name),
        };
      }),
      streamsComplete: listed.complete,
    });
  });

  api.get("/live", liveRoute(ctx));

  api.get("/streams/:stream/rates", (c) => {
    ctx.sampler.start();
    return c.json({ samples: ctx.sampler.samples(ctx.stream(c.req.param("stream"))) });
  });

  api.get("/streams/:stream", async (c) => {
    const stream = ctx.stream(c.req.param("stream"));
    const staleMs = intParam("staleMs", c.req.query("staleMs"), 2_147_483_647) ?? options.staleMs;
    const info = await ctx.call(inspector.streamInfo(stream));
    return c.json({
      name: info.name,
      length: info.length,
      firstId: info.firstId,
      lastId: info.lastId,
      deadLetters: info.deadLetters,
      groups: info.groups.map((group) => ({
        name: group.name,
        lastDeliveredId: group.lastDeliveredId,
        lag: group.lag,
        pending: group.pending,
        consumerCount: group.consumers,
        consumers: group.consumerList.map((consumer) => ({
          ...consumer,
          flagged: consumer.pending > 0 && consumer.idleMs !== null && consumer.idleMs > staleMs,
        })),
        oldestPending: group.oldestPending,
      })),
    });
  });

  api.get("/streams/:stream/events", async (c) => {
    const stream = ctx.stream(c.req.param("stream"));
    const page = await ctx.call(
      readEvents(inspector, stream, {
        cursor: textParam(c.req.query("cursor")),
        limit: intParam("limit", c.req.query("limit"), MAX_PAGE),
        types: typesParam(c.req.query("type")),
        sinceMs: timeParam("since", c.req.query("since")),
        untilMs: timeParam("until", c.req.query("until")),
        window: intParam("window", c.req.query("window"), MAX_WINDOW),
      }),
    );
    return c.json(page);
  });

  api.get("/streams/:stream/search", async (c) => {
    const stream = ctx.stream(c.req.param("stream"));
    const query = payloadQuery({
      path: textParam(c.req.query("path")),
      equals: c.req.query("equals"),
      contains: c.req.query("contains"),
      text: c.req.query("text"),
    });
    const result = await ctx.call(
      searchEvents(inspector, stream, {
        query,
        types: typesParam(c.req.query("type")),
        sinceMs: timeParam("since", c.req.query("since")),
        untilMs: timeParam("until", c.req.query("until")),
        cursor: textParam(c.req.query("cursor")),
        limit: intParam("limit", c.req.query("limit"), MAX_PAGE),
        window: intParam("window", c.req.query("window"), MAX_WINDOW),
      }),
    );
    return c.json(result);
  });

  api.get("/streams/:stream/events/:eventId", async (c) => {
    const stream = ctx.stream(c.req.param("stream"));
    const eventId = c.req.param("eventId");
    const window = intParam("window", c.req.query("window"), MAX_WINDOW);
    const found = await ctx.call(findEvent(inspector, stream, eventId, window));
    if (found === null) throw notFound(eventId, stream);
    return c.json(found);
  });

  api.get("/streams/:stream/events/:eventId/tree", async (c) => {
    const stream = ctx.stream(c.req.param("stream"));
    const eventId = c.req.param("eventId");
    const tree = await ctx.call(
      traceEvent(inspector, stream, eventId, {
        window: intParam("window", c.req.query("window"), MAX_WINDOW),
        maxNodes: intParam("maxNodes", c.req.query("maxNodes"), 10_000),
      }),
    );
    if (tree === null) throw notFound(eventId, stream);
    return c.json(tree);
  });

  api.get("/streams/:stream/dead-letters", async (c) => {
    const stream = ctx.stream(c.req.param("stream"));
    const page = await ctx.call(
      listDeadLetters(inspector, stream, {
        cursor: textParam(c.req.query("cursor")),
        limit: intParam("limit", c.req.query("limit"), MAX_PAGE),
      }),
    );
    return c.json({ ...page, items: page.items.map(deadLetterItem) });
  });

  const writes = new Hono();
  writes.use(
    "*",
    bodyLimit({
      maxSize: 64 * 1024,
      onError: () => {
        throw new HttpError(413, "too-large", "The request body is larger than 64 KiB");
      },
    }),
  );
  writes.post("/streams/:stream/dead-letters/requeue", async (c) => {
    const stream = ctx.stream(c.req.param("stream"));
    if (!inspector.capabilities.repairDeadLetters) throw unsupported();
    const ids = entryIdsOf(await jsonBody(c.req.raw));
    return c.json(await ctx.call(inspector.requeueDeadLetters(stream, ids)));
  });
  writes.post("/streams/:stream/dead-letters/delete", async (c) => {
    const stream = ctx.stream(c.req.param("stream"));
    if (!inspector.capabilities.repairDeadLetters) throw unsupported();
    const ids = entryIdsOf(await jsonBody(c.req.raw));
    return c.json(await ctx.call(inspector.deleteDeadLetters(stream, ids)));
  });
  api.route("/", writes);
  return api;
}

/** A dead letter as the API shows it: its event, or null with why and the stored text. */
function deadLetterItem(row: DeadLetterRow): Record<string, unknown> {
  const { event, ...rest } = row;
  if ("invalid" in event) return { ...rest, event: null, invalid: event.invalid, raw: event.raw };
  return { ...rest, event: event as ValidEventRow };
}

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    throw new HttpError(
      400,
      "bad-request",
      "The request body is not JSON: expected { entryIds: string[] }",
    );
  }
}

function notFound(eventId: string, stream: string): HttpError {
  return new HttpError(
    404,
    "not-found",
    `Event ${JSON.stringify(eventId)} was not found in the searched window of stream ${JSON.stringify(stream)} or its dead letters`,
  );
}

function unsupported(): HttpError {
  return new HttpError(
    501,
    "unsupported",
    "This backend's inspector cannot requeue or delete dead letters",
  );
}
