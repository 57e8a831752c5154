/**
 * The worker's HTTP endpoint: `GET /metrics` (Prometheus text format), `GET /healthz` (the
 * process answers) and `GET /readyz` (it can do its work: 503 with the reason otherwise), the
 * probes Kubernetes expects. Three routes on node:http; nothing else is served.
 *
 * It takes its answers as functions, so it knows nothing of Redis or prom-client: a user's own
 * server can serve the same from `createMetrics()` without it.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { errorField, type Logger } from "../core/logging.js";
import type { HttpEndpointConfig } from "./http-endpoint-flags.js";

/** Whether the process can do its work now, and if not, why. */
export type Readiness =
  | { readonly ready: true }
  | { readonly ready: false; readonly reason: string };

export interface HttpEndpointHandlers {
  /** The metrics text and its Content-Type. */
  metrics(): Promise<{ readonly contentType: string; readonly body: string }>;
  readiness(): Promise<Readiness>;
}

export class HttpEndpoint {
  readonly #server: Server;
  readonly #tokenDigest: Buffer | undefined;
  readonly #handlers: HttpEndpointHandlers;
  readonly #log: Logger;

  private constructor(config: HttpEndpointConfig, handlers: HttpEndpointHandlers, log: Logger) {
    this.#tokenDigest = config.token === undefined ? undefined : digest(config.token);
    this.#handlers = handlers;
    this.#log = log;
    this.#server = createServer((req, res) => {
      this.#serve(req, res).catch((error: unknown) => {
        this.#log.error({ error: errorField(error) }, `HTTP endpoint: ${errorField(error)}`);
        if (!res.headersSent) send(res, 500, "internal error\n");
        else res.destroy();
      });
    });
    // A probe or scrape that stalls must not hold a socket for ever.
    this.#server.requestTimeout = 10_000;
    this.#server.headersTimeout = 5_000;
  }

  /** Listens on `config.host:config.port`; rejects when it cannot (the port is taken). */
  static async listen(
    config: HttpEndpointConfig,
    handlers: HttpEndpointHandlers,
    log: Logger,
  ): Promise<HttpEndpoint> {
    const endpoint = new HttpEndpoint(config, handlers, log);
    await new Promise<void>((resolve, reject) => {
      endpoint.#server.once("error", reject);
      endpoint.#server.listen(config.port, config.host, () => {
        endpoint.#server.off("error", reject);
        resolve();
      });
    });
    return endpoint;
  }

  /** `http://host:port`, with the port actually bound. */
  get url(): string {
    const { address, port, family } = this.#server.address() as AddressInfo;
    return `http://${family === "IPv6" ? `[${address}]` : address}:${port}`;
  }

  /** Stops listening and ends open connections. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      send(res, 405, "only GET and HEAD\n");
      return;
    }
    if (!this.#authorized(req)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="necrostack"');
      send(res, 401, "unauthorized: send Authorization: Bearer <the worker's --http-token>\n");
      return;
    }
    switch (path) {
      case "/healthz":
        send(res, 200, "ok\n");
        return;
      case "/readyz": {
        const readiness = await this.#handlers.readiness();
        if (readiness.ready) send(res, 200, "ready\n");
        else send(res, 503, `not ready: ${readiness.reason}\n`);
        return;
      }
      case "/metrics": {
        const { contentType, body } = await this.#handlers.metrics();
        send(res, 200, body, contentType);
        return;
      }
      default:
        send(res, 404, "not found: the routes are /metrics, /healthz and /readyz\n");
    }
  }

  /** Constant-time: both sides are hashed to one length before they are compared. */
  #authorized(req: IncomingMessage): boolean {
    const expected = this.#tokenDigest;
    if (expected === undefined) return true;
    const header = req.headers.authorization;
    const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match === null) return false;
    return timingSafeEqual(digest(match[1] as string), expected);
  }
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
): void {
  res.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}
