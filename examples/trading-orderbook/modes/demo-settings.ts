/** The demo's clearing-house settings, shared by the in-memory and the Redis runs. */

/** Failure rates turned up, so retries, timeouts and dead letters all show in a short script. */
export const DEMO_CLEARING_HOUSE = { outageRate: 0.3, hangRate: 0.08 } as const;

/** With this seed the script's 19 trades meet every fate: retry, decline, timeout, retries used up. */
export const DEMO_SEED = 3;
