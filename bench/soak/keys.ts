/** The keys the soak uses in its private Redis: the stream, its group, and the organs' records. */
export const STREAM = "soak:events";
export const GROUP = "soak";
/** The worker's default dead-letter stream for {@link STREAM}. */
export const DLQ = `${STREAM}:dlq`;

export const RECORD_KEYS = {
  /** Hash: event type -> handler runs. */
  runs: "soak:runs",
  /** Hash: worker name -> handler runs. */
  runsByWorker: "soak:runs:by-worker",
  /** Bitmap: bit n is set once an event of `type` for start n was handled. */
  seen: (type: "START" | "DONE"): string => `soak:seen:${type}`,
} as const;
