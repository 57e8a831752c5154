/** DATA_TRANSFORMED -> the printed summary, once every batch of the file is in; ETL_FAILED -> the failure. */
import { Organ } from "../../../core/organ.js";
import type { DataTransformedEvent, EtlFailed, EtlFailedEvent } from "../events.js";
import { type EtlSummary, formatSummary, SummaryBuilder } from "../summary.js";

/** Collects one file's batches and writes its summary through `write`. One instance per run. */
export class ReportSummary extends Organ<DataTransformedEvent | EtlFailedEvent> {
  readonly listensTo = ["DATA_TRANSFORMED", "ETL_FAILED"] as const;
  readonly #write: (line: string) => void;
  readonly #builder = new SummaryBuilder();
  #summary: EtlSummary | undefined;
  #failure: EtlFailed | undefined;

  /** `write` gets each line of the summary, without a line break. */
  constructor(write: (line: string) => void) {
    super();
    this.#write = write;
  }

  /** The summary, once printed. */
  get summary(): EtlSummary | undefined {
    return this.#summary;
  }

  /** Why the file could not be used, when it could not. */
  get failure(): EtlFailed | undefined {
    return this.#failure;
  }

  handle(event: DataTransformedEvent | EtlFailedEvent): void {
    if (event.eventType === "ETL_FAILED") {
      this.#failure = (event as EtlFailedEvent).payload;
      return;
    }
    this.#builder.add((event as DataTransformedEvent).payload);
    if (!this.#builder.complete || this.#summary !== undefined) return;
    this.#summary = this.#builder.build();
    for (const line of formatSummary(this.#summary)) this.#write(line);
  }
}
