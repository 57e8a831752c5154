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

/** One handled event emitted more than a commit can carry. Nothing was added or acked. */
export class CommitTooLargeError extends NecroStackError {
  readonly entryId: string;

  constructor(entryId: string, events: number, bytes: number, limit: number) {
    super(
      `Commit of entry ${entryId} refused: its ${events} emitted events are ${bytes} bytes of JSON, over the ${limit}-byte limit of one atomic commit; emit fewer or smaller events per handled event (for example a batch reference instead of every item)`,
      "ERR_COMMIT_TOO_LARGE",
    );
    this.entryId = entryId;
  }
}

/**
 * Redis answered nothing on a connection for `commandTimeoutMs` while commands waited on it, and
 * those commands failed. A failed command may still take effect if the server was only slow or
 * stopped and resumes: a timed-out enqueue may add its event after all (delivery stays
 * at-least-once), a timed-out commit leaves its entry pending for redelivery.
 */
export class CommandTimeoutError extends NecroStackError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(
      `Redis answered none of the commands waiting on the connection for ${timeoutMs} ms (commandTimeoutMs): the server is stopped, overloaded or unreachable`,
      "ERR_REDIS_COMMAND_TIMEOUT",
    );
    this.timeoutMs = timeoutMs;
  }
}
