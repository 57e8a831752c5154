/**
 * The ids `dedupe` remembers: bounded in count (`maxIds`) and in age (`ttlMs`), forgetting the
 * oldest first. Ids are kept in the order they were added and never moved, so the oldest id is
 * also the first to expire.
 */
import { InvalidOptionError } from "./errors.js";

/** Bounds of the Spine's dedupe store (the `dedupe` option). */
export interface DedupeOptions {
  /**
   * The most ids remembered; past it, the oldest is forgotten. Each costs about 100 bytes
   * (a 36-character id), so the default bound is about 10 MB.
   * @defaultValue 100_000
   */
  maxIds?: number;
  /**
   * How long an id is remembered after its event was committed. It covers a durable backend's
   * redeliveries (Redis: `claimMinIdleMs` times `maxRetries`) with room to spare, and lets a
   * quiet worker's store empty. `Infinity`: only `maxIds` bounds the store.
   * @defaultValue 600_000 (10 minutes)
   */
  ttlMs?: number;
}

export type ResolvedDedupeOptions = Readonly<Required<DedupeOptions>>;

export const DEDUPE_DEFAULTS: ResolvedDedupeOptions = Object.freeze({
  maxIds: 100_000,
  ttlMs: 600_000,
});

/** `true` and `{}` mean the defaults; `false` and `undefined` mean off. */
export function resolveDedupeOptions(
  value: boolean | DedupeOptions | undefined,
): ResolvedDedupeOptions | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEDUPE_DEFAULTS;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidOptionError("dedupe", "a boolean or { maxIds?, ttlMs? }", value);
  }
  const { maxIds = DEDUPE_DEFAULTS.maxIds, ttlMs = DEDUPE_DEFAULTS.ttlMs } = value;
  if (!Number.isSafeInteger(maxIds) || maxIds < 1) {
    throw new InvalidOptionError("dedupe.maxIds", "an integer >= 1", maxIds);
  }
  if (ttlMs !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(ttlMs) || ttlMs < 1)) {
    throw new InvalidOptionError("dedupe.ttlMs", "an integer >= 1 or Infinity", ttlMs);
  }
  return Object.freeze({ maxIds, ttlMs });
}

/** The first ring allocated; it doubles up to `maxIds` as ids arrive. */
const INITIAL_CAPACITY = 1_024;

/**
 * A set of ids with a ring of the same ids in the order they were added (with when each
 * expires), so forgetting the oldest is O(1): the ring says which id it is and the set deletes
 * it. (A Map in insertion order could do both, but deleting its first key over and over is not
 * O(1) in V8: its iterator walks past every deleted slot.)
 */
export class DedupeStore {
  readonly maxIds: number;
  readonly ttlMs: number;
  readonly #ids = new Set<string>();
  #ring: (string | undefined)[];
  /** When each ring slot's id expires; none when ids never expire. */
  #expiries: Float64Array | undefined;
  #head = 0;

  constructor(options: ResolvedDedupeOptions) {
    this.maxIds = options.maxIds;
    this.ttlMs = options.ttlMs;
    const capacity = Math.min(this.maxIds, INITIAL_CAPACITY);
    this.#ring = new Array(capacity);
    if (this.ttlMs !== Number.POSITIVE_INFINITY) this.#expiries = new Float64Array(capacity);
  }

  /** How many ids are remembered (expired ones included until the next `has` or `add`). */
  get size(): number {
    return this.#ids.size;
  }

  /** Whether `id` is remembered at time `now` (ms, from one monotonic clock). */
  has(id: string, now: number): boolean {
    if (this.#expiries !== undefined) this.#expire(now);
    return this.#ids.has(id);
  }

  /** Remembers `id` from `now` on. An id already remembered keeps its place and its expiry. */
  add(id: string, now: number): void {
    if (this.#expiries !== undefined) this.#expire(now);
    const ids = this.#ids;
    if (ids.has(id)) return;
    // An id from crypto.randomUUID() is a tree of some 20 V8 cons strings, about 500 bytes; reading
    // a character makes V8 flatten it, and the next GC keeps only the flat copy (about 90 bytes
    // an id in all, measured). Ids parsed from JSON (a Redis delivery) are flat already.
    id.charCodeAt(0);
    if (ids.size === this.maxIds) this.#forgetOldest();
    else if (ids.size === this.#ring.length) this.#grow();
    let slot = this.#head + ids.size;
    if (slot >= this.#ring.length) slot -= this.#ring.length;
    this.#ring[slot] = id;
    if (this.#expiries !== undefined) this.#expiries[slot] = now + this.ttlMs;
    ids.add(id);
  }

  #expire(now: number): void {
    const expiries = this.#expiries as Float64Array;
    while (this.#ids.size > 0 && (expiries[this.#head] as number) <= now) this.#forgetOldest();
  }

  #forgetOldest(): void {
    const head = this.#head;
    this.#ids.delete(this.#ring[head] as string);
    this.#ring[head] = undefined;
    this.#head = head + 1 === this.#ring.length ? 0 : head + 1;
  }

  #grow(): void {
    const size = this.#ids.size;
    const old = this.#ring;
    const capacity = Math.min(this.maxIds, old.length * 2);
    const ring: (string | undefined)[] = new Array(capacity);
    const expiries = this.#expiries === undefined ? undefined : new Float64Array(capacity);
    for (let i = 0, slot = this.#head; i < size; i++) {
      ring[i] = old[slot];
      if (expiries !== undefined) expiries[i] = (this.#expiries as Float64Array)[slot] as number;
      slot = slot + 1 === old.length ? 0 : slot + 1;
    }
    this.#ring = ring;
    this.#expiries = expiries;
    this.#head = 0;
  }
}
