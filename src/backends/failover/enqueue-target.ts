/**
 * Which backend of a failover pair takes the next enqueue: the primary until it fails
 * `failAfter` times in a row, then the secondary, with the primary probed once every
 * `probeIntervalMs`; a probe that succeeds brings every enqueue back to the primary.
 */

/** Which of the two. */
export type Side = "primary" | "secondary";

export class EnqueueTarget {
  readonly #failAfter: number;
  readonly #probeIntervalMs: number;
  #active: Side = "primary";
  #failuresInARow = 0;
  #nextProbeAt = 0;
  #switches = 0;

  constructor(failAfter: number, probeIntervalMs: number) {
    this.#failAfter = failAfter;
    this.#probeIntervalMs = probeIntervalMs;
  }

  /** Where enqueues go now. */
  get active(): Side {
    return this.#active;
  }

  /** How many times enqueues moved from one backend to the other. */
  get switches(): number {
    return this.#switches;
  }

  /**
   * Whether the primary should be probed now: enqueues go to the secondary and the probe
   * interval has passed since the switch or the last probe (the caller that gets `true` probes).
   */
  probeDue(now: number): boolean {
    if (this.#active === "primary" || now < this.#nextProbeAt) return false;
    this.#nextProbeAt = now + this.#probeIntervalMs;
    return true;
  }

  /** The primary took an enqueue, or a probe found it healthy. Says whether enqueues just moved back to it. */
  primarySucceeded(): boolean {
    this.#failuresInARow = 0;
    if (this.#active === "primary") return false;
    this.#active = "primary";
    this.#switches++;
    return true;
  }

  /** The primary failed an enqueue. Says whether enqueues just moved to the secondary. */
  primaryFailed(now: number): boolean {
    this.#failuresInARow++;
    if (this.#active === "secondary" || this.#failuresInARow < this.#failAfter) return false;
    this.#active = "secondary";
    this.#nextProbeAt = now + this.#probeIntervalMs;
    this.#switches++;
    return true;
  }
}
