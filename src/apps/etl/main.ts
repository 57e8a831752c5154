/**
 * The ETL demo: reads a CSV file, cleans it, aggregates it and prints a summary, as a chain of
 * organs on the in-memory backend:
 * `ETL_START -> RAW_DATA_LOADED -> DATA_CLEANED -> DATA_TRANSFORMED -> printed summary`.
 */
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InMemoryBackend } from "../../backends/in-memory.js";
import { InvalidOptionError } from "../../core/errors.js";
import { Event } from "../../core/event.js";
import type { Logger } from "../../core/logging.js";
import { Spine } from "../../core/spine.js";
import { EtlInputError } from "./errors.js";
import type { EtlStartEvent } from "./events.js";
import { CleanRows } from "./organs/clean-rows.js";
import { ExtractCsv, MAX_ROW_BYTES } from "./organs/extract-csv.js";
import { ReportSummary } from "./organs/report-summary.js";
import { TransformRows } from "./organs/transform-rows.js";
import type { EtlSummary } from "./summary.js";

/**
 * The sample file shipped with the package. This module sits three folders below the package
 * root both as source (`src/apps/etl`) and built (`dist/apps/etl`), so one relative URL serves both.
 */
export const SAMPLE_CSV = fileURLToPath(new URL("../../../data/sales-sample.csv", import.meta.url));

/** How the sample is named in the summary. */
export const SAMPLE_SOURCE = "data/sales-sample.csv (the bundled sample)";

/** Options for {@link runEtl}. */
export interface EtlOptions {
  /** The CSV file to read, relative to `cwd`. @defaultValue the bundled sample, {@link SAMPLE_CSV} */
  input?: string;
  /** What a relative `input` is relative to. @defaultValue `process.cwd()` */
  cwd?: string;
  /** Gets each line of the summary, without a line break. */
  write: (line: string) => void;
  /** The Spine's logger, or `false` for none. @defaultValue JSON lines on stderr (see `SpineOptions.logger`) */
  logger?: Logger | false;
  /**
   * The most bytes of row JSON in one RAW_DATA_LOADED event; a larger file is sent in batches.
   * At most 524_288, so every event of the chain stays under the payload limit.
   * @defaultValue 262_144
   */
  batchBytes?: number;
}

/**
 * Runs the pipeline over one file and resolves with its summary (also written through `write`).
 * Rejects with {@link EtlInputError} when the file is missing, unreadable or not usable CSV.
 */
export async function runEtl(options: EtlOptions): Promise<EtlSummary> {
  const batchBytes = options.batchBytes ?? 262_144;
  if (!Number.isSafeInteger(batchBytes) || batchBytes < 1 || batchBytes > MAX_ROW_BYTES) {
    throw new InvalidOptionError("batchBytes", `an integer from 1 to ${MAX_ROW_BYTES}`, batchBytes);
  }
  if (options.input !== undefined && options.input.trim() === "") {
    throw new InvalidOptionError("input", "a path to a CSV file", options.input);
  }
  const file =
    options.input === undefined ? SAMPLE_CSV : resolve(options.cwd ?? process.cwd(), options.input);
  const source = options.input ?? SAMPLE_SOURCE;

  const report = new ReportSummary(options.write);
  const backend = new InMemoryBackend();
  const spine = new Spine({
    organs: [new ExtractCsv(), new CleanRows(), new TransformRows(), report],
    backend,
    // A file of any size is one start event, a few per batch, and nothing else.
    maxSteps: Number.POSITIVE_INFINITY,
    // A failed organ is a bug in the demo: keep the failure so the run can report it.
    handlerFailureMode: "store",
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
  const start: EtlStartEvent = new Event("ETL_START", { file, source, batchBytes });
  try {
    await spine.run(start);
  } finally {
    await backend.close();
  }
  const [failed] = spine.failedEvents();
  if (failed !== undefined) throw failed.error;
  if (report.failure !== undefined) throw new EtlInputError(source, report.failure.problem);
  if (report.summary === undefined) {
    throw new Error(`The ETL run over ${source} ended without a summary`);
  }
  return report.summary;
}
