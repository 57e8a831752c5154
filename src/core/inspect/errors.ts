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
