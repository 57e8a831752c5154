/** The worker's `--http` and `--http-token` flags. */
import { type FlagValues, stringFlag } from "./flags.js";
import { UsageError } from "./usage-error.js";

/** Where the endpoint listens, and the token it asks for. */
export interface HttpEndpointConfig {
  readonly host: string;
  readonly port: number;
  /** Requests must carry `Authorization: Bearer <token>`; none when undefined. */
  readonly token: string | undefined;
}

/** The loopback address an endpoint given only a port binds to. */
export const LOOPBACK = "127.0.0.1";

/**
 * `--http [HOST:]PORT` (IPv6 as `[::1]:9464`), and the token from `--http-token` or, to keep it
 * out of the process list, `NECROSTACK_HTTP_TOKEN`. Undefined without `--http`.
 */
export function httpEndpointFlags(
  command: string,
  values: FlagValues,
  env: NodeJS.ProcessEnv,
): HttpEndpointConfig | undefined {
  const help = `necrostack ${command} --help`;
  const address = stringFlag(command, values, "http");
  const token =
    stringFlag(command, values, "http-token") ?? (env.NECROSTACK_HTTP_TOKEN || undefined);
  if (address === undefined) {
    if (values["http-token"] !== undefined) {
      throw new UsageError(
        `necrostack ${command}: \`--http-token\` guards the HTTP endpoint; turn it on with --http 127.0.0.1:9464`,
        help,
      );
    }
    return undefined;
  }
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(address.trim());
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port > 65_535) {
    throw new UsageError(
      `necrostack ${command}: expected \`--http\` to be [HOST:]PORT such as 127.0.0.1:9464 or 9464 (port 0 picks a free one), got ${JSON.stringify(address)}`,
      help,
    );
  }
  const host = match[1] === undefined ? LOOPBACK : match[1].replace(/^\[(.*)\]$/, "$1");
  return { host, port, token };
}
