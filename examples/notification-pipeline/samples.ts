/** Requests made in code: the demo's built-in samples and the stress generator. */
import { PRIORITIES } from "./events.js";
import type { NotificationRequest } from "./pipeline.js";
import { seededUnit } from "./seeded.js";

/** The demo's requests: a realistic mix, with a blocked SMS number and three invalid requests. */
export function demoRequests(): NotificationRequest[] {
  return [
    {
      userId: "user_001",
      channels: ["email", "sms", "push"],
      message: "Your order #12345 has shipped!",
      priority: "high",
    },
    {
      userId: "user_002",
      channels: ["email"],
      message: "Weekly digest: 5 new updates",
      priority: "low",
    },
    {
      userId: "user_003",
      channels: ["sms", "push"],
      message: "Security alert: new sign-in from Lisbon",
      priority: "high",
    },
    { userId: "user_004", channels: ["push"], message: "Payment received: $99.99" },
    {
      userId: "user_005",
      channels: ["email", "push"],
      message: "Your subscription renews tomorrow",
      priority: "normal",
    },
    {
      userId: "user_006",
      channels: ["email", "sms"],
      message: "Your table for two is confirmed",
      priority: "high",
    },
    { userId: "user_001", channels: ["email"], message: "   ", priority: "normal" },
    { userId: "user_002", channels: ["telegram"], message: "Hello", priority: "urgent" },
    { channels: ["sms"], message: "Who is this for?" },
  ];
}

const USERS = 50;
const CHANNEL_SETS = [
  ["email"],
  ["sms"],
  ["push"],
  ["email", "sms"],
  ["email", "push"],
  ["sms", "push"],
  ["email", "sms", "push"],
];
const MESSAGES = [
  "Order update",
  "Security alert",
  "Weekly digest",
  "Payment received",
  "Shipping update",
];

/** `count` requests made from `seed` alone; about one in fifty is invalid (an empty message). */
export function stressRequests(count: number, seed: number): NotificationRequest[] {
  const requests: NotificationRequest[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const pick = (what: string, n: number): number =>
      Math.floor(seededUnit(seed, `${what}:${i}`) * n);
    const invalid = pick("invalid", 50) === 0;
    requests[i] = {
      userId: `user_${String(pick("user", USERS) + 1).padStart(3, "0")}`,
      channels: CHANNEL_SETS[pick("channels", CHANNEL_SETS.length)] as string[],
      message: invalid ? "" : `${MESSAGES[pick("message", MESSAGES.length)]} #${1000 + i}`,
      priority: PRIORITIES[pick("priority", PRIORITIES.length)] as string,
    };
  }
  return requests;
}
