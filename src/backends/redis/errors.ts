/** Errors of the Redis backend. Every one extends NecroStackError; none shows a password. */
import { messageOf, NecroStackError } from "../../core/errors.js";
import { maskSecrets } from "../../utils/redact.js";

/** The optional peer dependency `ioredis` could not be loaded. */
export class IoredisMissingError extends NecroStackError {
  constructor(cause: unknown) {
    super(
      `RedisBackend needs the ioredis package (>=5), which could not be loaded: install it with \`npm install ioredis\` (${maskSecrets(messageOf(cause))})`,
      "ERR_IOREDIS_MISSING",
      { cause },
    );
  }
}

/** A Redis command failed. `operation` names what the backend was doing. */
export class RedisOperationError extends NecroStackError {
  readonly operation: string;

  constructor(operation: string, target: string, cause: unknown) {
    super(`Redis ${operation} failed on ${target}: ${maskSecrets(messageOf(cause))}`, "ERR_REDIS", {
      cause,
    });
    this.operation = operation;
  }
}
