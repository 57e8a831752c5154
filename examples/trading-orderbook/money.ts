/**
 * Prices as integer ticks. A price enters as text ("150.50") and is turned into ticks with
 * string arithmetic, never through a float, and is shown again as dollars only for people.
 */

/** Ticks per dollar: one tick is $0.01. */
export const TICKS_PER_DOLLAR = 100;

const PRICE = /^(\d{1,9})(?:\.(\d{1,2}))?$/;

/**
 * `"150.50"` -> `15050`. Returns an error message instead for anything that is not a positive
 * amount with at most two decimals (`"150.505"`, `"-1"`, `"1e3"`, `""`).
 */
export function parsePrice(text: string): number | string {
  const match = PRICE.exec(text.trim());
  if (match === null) {
    return `price must be a dollar amount with at most 2 decimals, such as 150.50, got ${JSON.stringify(text)}`;
  }
  const dollars = Number(match[1]);
  const cents = Number((match[2] ?? "").padEnd(2, "0"));
  return dollars * TICKS_PER_DOLLAR + cents;
}

/** `15050` -> `"150.50"`. */
export function formatPrice(ticks: number): string {
  const sign = ticks < 0 ? "-" : "";
  const abs = Math.abs(ticks);
  const cents = String(abs % TICKS_PER_DOLLAR).padStart(2, "0");
  return `${sign}${Math.floor(abs / TICKS_PER_DOLLAR)}.${cents}`;
}
