/**
 * The contact directory the router looks users up in. A real system would query a user service;
 * here every well-formed user id has an address, a phone number and a device token derived from
 * it, and a few phone numbers are blocked by the SMS gateway.
 */

export interface Contact {
  readonly email: string;
  readonly phone: string;
  readonly deviceToken: string;
}

/** Numbers the SMS gateway refuses for good (opted out, or not mobile numbers). */
export const BLOCKED_NUMBERS: ReadonlySet<string> = new Set(["+15550000003", "+15550000013"]);

/** The contact for a user id: `user_003` gets +15550000003, `user_abc` a number from its hash. */
export function contactFor(userId: string): Contact {
  const digits = /\d+$/.exec(userId)?.[0] ?? String(hash(userId) % 1_000_000);
  return {
    email: `${userId}@example.com`,
    phone: `+1555${digits.padStart(7, "0").slice(-7)}`,
    deviceToken: `device-${userId}`,
  };
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h;
}
