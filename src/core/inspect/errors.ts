/** Errors of the inspection tools. Each extends NecroStackError. */
import { describeValue, NecroStackError } from "../errors.js";

/**
 * A query an inspection call was given is malformed: a bad payload path, an empty search, a time
 * range that does not parse. `parameter` names what was wrong.
 */
export class InspectQueryError extends NecroStackError {
  readonly parameter: string;

  constructor(parameter: string, expected: string, received: unknown) {
    super(
      `Expected \`${parameter}\` to be ${expected}, got ${describeValue(received)}`,
      "ERR_INSPECT_QUERY",
    );
    this.parameter = parameter;
  }
}

/** An inspector limited to some streams (its `streams` option) was asked about another one. */
export class StreamNotInspectedError extends NecroStackError {
  readonly stream: string;

  constructor(stream: string, streams: readonly string[]) {
    super(
      `Stream ${JSON.stringify(stream)} is not one this inspector was given (${streams.map((s) => JSON.stringify(s)).join(", ")})`,
      "ERR_INSPECT_STREAM",
    );
    this.stream = stream;
  }
}
