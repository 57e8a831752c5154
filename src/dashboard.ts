/**
 * `necrostack/dashboard`: a web dashboard over a backend's streams, consumer groups, pending
 * entries, dead letters (with requeue) and events (browse, payload search, causation tree), with
 * live rates. Needs the optional peer dependencies `hono` and `@hono/node-server`; the core entry
 * never loads them. See docs/dashboard.md.
 *
 * ```ts
 * import { createDashboard } from "necrostack/dashboard";
 * import { RedisInspector } from "necrostack/redis";
 * const dashboard = createDashboard({ inspector: new RedisInspector({ redisUrl }) });
 * http.createServer(dashboard.listener).listen(7777, "127.0.0.1");
 * ```
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { dashboardApp } from "./dashboard/server/app.js";
import { Auth } from "./dashboard/server/auth.js";
import { DashboardContext } from "./dashboard/server/context.js";
import { type DashboardOptions, resolveDashboardOptions } from "./dashboard/server/options.js";
import { RateSampler } from "./dashboard/server/sampler.js";

/** A dashboard, ready to mount: a fetch-style handler and a Node http listener. */
export interface Dashboard extends AsyncDisposable {
  /** Answers a standard Request (for Hono, Bun, Deno, or any fetch-style server). */
  fetch(request: Request): Promise<Response>;
  /** For `http.createServer(listener)` or a Node framework's raw handler. */
  readonly listener: (request: IncomingMessage, response: ServerResponse) => void;
  /** Stops sampling, ends live feeds, and closes the inspector if the dashboard opened it. */
  close(): Promise<void>;
}

/** Builds a dashboard over `options.inspector` (or `options.backend`'s inspector). */
export function createDashboard(options: DashboardOptions): Dashboard {
  const resolved = resolveDashboardOptions(options);
  const { inspector } = resolved;
  const sampler = new RateSampler(
    inspector,
    async () => resolved.streams ?? (await inspector.listStreams(100)).streams,
    resolved.sampleIntervalMs,
  );
  const ctx = new DashboardContext(resolved, new Auth(resolved.token), sampler);
  const app = dashboardApp(ctx);
  const fetch = async (request: Request): Promise<Response> => app.fetch(request);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      ctx.close();
      if (resolved.ownsInspector) await inspector.close();
    })();
    return closing;
  };
  return {
    fetch,
    // The Node bindings go with the request: the login throttle counts by the socket's address.
    listener: getRequestListener((request, env) => app.fetch(request, env)),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The inspection contract and the reads over it, for tools of your own. */
export type {
  CausationNode,
  CausationTree,
  ChainEvent,
} from "./core/inspect/causation-tree.js";
export { buildCausationTree } from "./core/inspect/causation-tree.js";
export { InspectQueryError, StreamNotInspectedError } from "./core/inspect/errors.js";
export type { EventRow, InvalidEventRow, ValidEventRow } from "./core/inspect/event-row.js";
export type * from "./core/inspect/inspector.js";
export {
  MAX_REPAIR_BATCH,
  MAX_SCAN_COUNT,
  REQUEUED_FROM_HEADER,
} from "./core/inspect/inspector.js";
export {
  compileQuery,
  matchesPayload,
  type PathStep,
  type PayloadQuery,
  parsePath,
  payloadQuery,
} from "./core/inspect/payload-match.js";
export {
  type DeadLetterPage,
  type DeadLetterRow,
  type EventPage,
  type FoundEvent,
  findEvent,
  listDeadLetters,
  type ReadEventsOptions,
  readEvents,
} from "./core/inspect/read.js";
export { type ReasonKind, reasonKind } from "./core/inspect/reason-kind.js";
export { type SearchOptions, type SearchResult, searchEvents } from "./core/inspect/search.js";
export { type TraceOptions, type TraceResult, traceEvent } from "./core/inspect/trace.js";
export type { DashboardOptions, InspectableBackend } from "./dashboard/server/options.js";
export type { LiveMessage, LiveStream, RateSample } from "./dashboard/server/sampler.js";
