/**
 * Deterministic choice for the Séance. No `Math.random`: a story is a pure function of its seed,
 * so tests (and users comparing notes) get the same séance for the same seed.
 */

/** FNV-1a: a small, well-spread 32-bit hash of a string. */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The seed a séance uses when none is given: derived from whom it calls and what it asks. */
export function seedFor(spirit: string, question: string): number {
  return hash32(`${spirit}\u0000${question}`);
}

/**
 * Picks one entry of `table` for `seed`. Each stage passes its own `stage` name, so the stages'
 * choices are independent of one another rather than all landing on the same index.
 */
export function pick<T>(table: readonly T[], seed: number, stage: string): T {
  if (table.length === 0) throw new RangeError("pick() needs a non-empty table");
  return table[hash32(`${stage}:${seed}`) % table.length] as T;
}
