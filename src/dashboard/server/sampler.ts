/**
 * Live rates: one reading of every shown stream's counters per interval, turned into events/s
 * in (added) and handled/s out, kept for the last ten minutes in a bounded ring per stream. One
 * sampler serves every open page, so ten pages cost Redis what one does.
 *
 * It starts on the first request that needs it and stops on `close()`; a tick still running
 * when the next is due is not doubled up.
 */
import type { StreamCounters, StreamInspector } from "../../core/inspect/inspector.js";

/** One stream in one sample. */
export interface LiveStream {
  readonly name: string;
  readonly length: number;
  readonly inPerSec: number;
  readonly outPerSec: number;
  readonly pending: number;
  readonly lag: number | null;
  readonly deadLetters: number;
}

/** What `/api/live` sends each interval. */
export interface LiveMessage {
  readonly at: string;
  readonly streams: readonly LiveStream[];
}

/** One point of a stream's rate chart. */
export interface RateSample {
  readonly at: string;
  readonly inPerSec: number;
  readonly outPerSec: number;
}

/** How long samples are kept. */
export const KEEP_MS = 10 * 60_000;
/** The most streams sampled. */
export const MAX_SAMPLED_STREAMS = 100;
/** The stream list is read again this often (streams come and go). */
const RELIST_MS = 30_000;

interface Track {
  last: { at: number; counters: StreamCounters } | undefined;
  readonly ring: RateSample[];
}

export class RateSampler {
  readonly #inspector: StreamInspector;
  readonly #streams: () => Promise<readonly string[]>;
  readonly #intervalMs: number;
  readonly #capacity: number;
  readonly #tracks = new Map<string, Track>();
  readonly #listeners = new Set<(message: LiveMessage | Error) => void>();
  #names: readonly string[] = [];
  #listedAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #latest: LiveMessage | undefined;
  #stopped = false;

  /** Samples `streams()` every `intervalMs`, keeping `keepMs` of samples per stream. */
  constructor(
    inspector: StreamInspector,
    streams: () => Promise<readonly string[]>,
    intervalMs: number,
    keepMs = KEEP_MS,
  ) {
    this.#inspector = inspector;
    this.#streams = streams;
    this.#intervalMs = intervalMs;
    this.#capacity = Math.max(2, Math.ceil(keepMs / intervalMs));
  }

  /** Starts sampling (idempotent); the first sample is taken at once. */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => void this.tick(), this.#intervalMs);
    this.#timer.unref();
    void this.tick();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  /** The latest message, if a sample was taken. */
  get latest(): LiveMessage | undefined {
    return this.#latest;
  }

  /** Calls `listener` with every new message (or the error of a failed tick) until unsubscribed. */
  subscribe(listener: (message: LiveMessage | Error) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The stream's samples, oldest first (empty for a stream not sampled). */
  samples(stream: string): readonly RateSample[] {
    return this.#tracks.get(stream)?.ring ?? [];
  }

  /** The stream's latest rates (0 until two readings exist). */
  rates(stream: string): { inPerSec: number; outPerSec: number } {
    const ring = this.#tracks.get(stream)?.ring;
    const last = ring?.[ring.length - 1];
    return { inPerSec: last?.inPerSec ?? 0, outPerSec: last?.outPerSec ?? 0 };
  }

  /** Takes one sample of every stream. Public for tests. */
  async tick(): Promise<void> {
    if (this.#running || this.#stopped) return;
    this.#running = true;
    try {
      const now = Date.now();
      if (now - this.#listedAt >= RELIST_MS) {
        this.#names = (await this.#streams()).slice(0, MAX_SAMPLED_STREAMS);
        this.#listedAt = now;
        for (const name of this.#tracks.keys())
          if (!this.#names.includes(name)) this.#tracks.delete(name);
      }
      const readings = await Promise.all(this.#names.map((name) => this.#inspector.counters(name)));
      const at = Date.now();
      const streams = this.#names.map((name, i) =>
        this.#record(name, at, readings[i] as StreamCounters),
      );
      const message = { at: new Date(at).toISOString(), streams };
      this.#latest = message;
      for (const listener of this.#listeners) listener(message);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const listener of this.#listeners) listener(failure);
    } finally {
      this.#running = false;
    }
  }

  #record(name: string, at: number, counters: StreamCounters): LiveStream {
    let track = this.#tracks.get(name);
    if (track === undefined) {
      track = { last: undefined, ring: [] };
      this.#tracks.set(name, track);
    }
    const previous = track.last;
    track.last = { at, counters };
    let inPerSec = 0;
    let outPerSec = 0;
    if (previous !== undefined && at > previous.at) {
      const seconds = (at - previous.at) / 1_000;
      inPerSec = perSecond(
        counters.added ?? counters.length,
        previous.counters.added ?? previous.counters.length,
        seconds,
      );
      outPerSec = perSecond(counters.handled, previous.counters.handled, seconds);
      track.ring.push({ at: new Date(at).toISOString(), inPerSec, outPerSec });
      if (track.ring.length > this.#capacity) track.ring.shift();
    }
    return {
      name,
      length: counters.length,
      inPerSec,
      outPerSec,
      pending: counters.pending,
      lag: counters.lag,
      deadLetters: counters.deadLetters,
    };
  }
}

/** A counter's growth per second; 0 when unknown or when it went back (a stream recreated). */
function perSecond(now: number | null, before: number | null, seconds: number): number {
  if (now === null || before === null || now < before) return 0;
  return Math.round(((now - before) / seconds) * 10) / 10;
}
