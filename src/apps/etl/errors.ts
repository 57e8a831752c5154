/** The errors of the ETL demo: a CSV file that cannot be read or parsed. */
import { NecroStackError } from "../../core/errors.js";

/** The text is not valid CSV. `line` and `column` are 1-based and point at the problem. */
export class CsvParseError extends NecroStackError {
  readonly line: number;
  readonly column: number;

  constructor(line: number, column: number, problem: string) {
    super(`line ${line}, column ${column}: ${problem}`, "ERR_CSV_PARSE");
    this.line = line;
    this.column = column;
  }
}

/** The ETL input file is missing, unreadable, or not a CSV file the pipeline can use. */
export class EtlInputError extends NecroStackError {
  /** The file as the user named it. */
  readonly file: string;

  constructor(file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}`, "ERR_ETL_INPUT", options);
    this.file = file;
  }
}
