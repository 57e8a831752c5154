/** The errors of `necrostack/prometheus`; both extend NecroStackError. */
import { messageOf, NecroStackError } from "../core/errors.js";

/** prom-client, the optional peer dependency of `necrostack/prometheus`, could not be loaded. */
export class PromClientMissingError extends NecroStackError {
  constructor(cause: unknown) {
    super(
      `createMetrics() needs the prom-client package (>=15), which could not be loaded: install it with \`npm install prom-client\` (${messageOf(cause).split("\n")[0]})`,
      "ERR_PROM_CLIENT_MISSING",
      { cause },
    );
  }
}
