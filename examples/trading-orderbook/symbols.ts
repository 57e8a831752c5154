/**
 * The symbols this exchange lists, with a reference price in ticks for each. Validation rejects
 * any other symbol; the stress generator quotes around the reference prices.
 */
export const LISTED_SYMBOLS: Readonly<Record<string, number>> = Object.freeze({
  AAPL: 150_00,
  GOOGL: 140_00,
  MSFT: 380_00,
  AMZN: 180_00,
  TSLA: 250_00,
  NVDA: 480_00,
  META: 500_00,
});

/** The most lots one order may have. */
export const MAX_QUANTITY = 1_000_000;
/** The highest limit price, in ticks ($1,000,000). */
export const MAX_PRICE_TICKS = 100_000_000;
