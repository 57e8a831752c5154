/**
 * Seeded randomness that does not depend on order. A decision is a pure function of the seed and
 * what it is about (notification, channel, attempt), so it comes out the same whichever worker
 * makes it and in whatever order events arrive: that is what keeps the summary exact for a given
 * `--seed` on one process or many.
 */

/** A number in [0, 1) determined by `seed` and `key` alone. */
export function seededUnit(seed: number, key: string): number {
  // FNV-1a over the key, then a murmur3-style finaliser to spread the bits.
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

/** Whether email attempt `attempt` of `notificationId` fails, at `failureRate` in [0, 1]. */
export function emailAttemptFails(
  seed: number,
  notificationId: string,
  attempt: number,
  failureRate: number,
): boolean {
  return seededUnit(seed, `${notificationId}:email:${attempt}`) < failureRate;
}
