/** A logger whose JSON lines are kept in memory, so tests can read the fields they carry. */
import { createLogger, type Logger, type LogLevel } from "../../../src/index.js";

export interface CapturedLogs {
  readonly logger: Logger;
  /** Every line written so far, as written. */
  readonly raw: string[];
  /** Every line written so far, parsed. */
  records(): Record<string, unknown>[];
}

export function captureLogs(level: LogLevel = "info"): CapturedLogs {
  const raw: string[] = [];
  const logger = createLogger({
    level,
    destination: {
      write(line: string) {
        raw.push(line);
      },
    },
  });
  return {
    logger,
    raw,
    records: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
