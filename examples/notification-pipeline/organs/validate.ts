/**
 * Validate: checks a raw request and passes it on as NOTIFICATION_VALIDATED, or turns it into
 * NOTIFICATION_FAILED naming every problem at once, so a caller can fix them all in one go.
 */
import { Event, type JsonValue, Organ } from "necrostack";
import {
  CHANNELS,
  type Channel,
  type InvalidPayload,
  NOTIFICATION_FAILED,
  NOTIFICATION_REQUESTED,
  NOTIFICATION_VALIDATED,
  PRIORITIES,
  type Priority,
  type RequestedEvent,
  type ValidatedPayload,
} from "../events.js";

const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Longest message accepted: what the longest channel (email) will carry in this example. */
export const MAX_MESSAGE_LENGTH = 2_000;

export class Validate extends Organ<RequestedEvent> {
  readonly listensTo = [NOTIFICATION_REQUESTED] as const;

  handle(event: RequestedEvent): Event {
    const { notificationId, userId, channels, message, priority = "normal" } = event.payload;
    const reasons: string[] = [];
    const user = checkUserId(userId, reasons);
    const wanted = checkChannels(channels, reasons);
    const text = checkMessage(message, reasons);
    const level = checkPriority(priority, reasons);
    if (reasons.length > 0 || user === null || text === null || level === null) {
      return new Event(NOTIFICATION_FAILED, {
        notificationId,
        userId: typeof userId === "string" ? userId : null,
        reasons,
      } satisfies InvalidPayload);
    }
    return new Event(NOTIFICATION_VALIDATED, {
      notificationId,
      userId: user,
      channels: wanted,
      message: text,
      priority: level,
    } satisfies ValidatedPayload);
  }
}

function checkUserId(value: JsonValue | undefined, reasons: string[]): string | null {
  if (typeof value === "string" && USER_ID.test(value)) return value;
  reasons.push(
    value === undefined || value === ""
      ? "userId is missing"
      : `userId must be 1-64 letters, digits, "_" or "-", got ${show(value)}`,
  );
  return null;
}

/** The requested channels in a fixed order, duplicates dropped; each unknown one is a reason. */
function checkChannels(value: JsonValue | undefined, reasons: string[]): Channel[] {
  if (!Array.isArray(value) || value.length === 0) {
    reasons.push(
      value === undefined || (Array.isArray(value) && value.length === 0)
        ? `channels is missing: list one or more of ${CHANNELS.join(", ")}`
        : `channels must be a list of ${CHANNELS.join(", ")}, got ${show(value)}`,
    );
    return [];
  }
  const wanted = new Set<Channel>();
  for (const item of value) {
    if (isChannel(item)) wanted.add(item);
    else reasons.push(`channel ${show(item)} is not one of ${CHANNELS.join(", ")}`);
  }
  return CHANNELS.filter((channel) => wanted.has(channel));
}

function checkMessage(value: JsonValue | undefined, reasons: string[]): string | null {
  if (typeof value !== "string") {
    reasons.push(
      value === undefined ? "message is missing" : `message must be text, got ${show(value)}`,
    );
    return null;
  }
  const text = value.trim();
  if (text === "") reasons.push("message must not be empty");
  else if (text.length > MAX_MESSAGE_LENGTH) {
    reasons.push(`message is ${text.length} characters; the limit is ${MAX_MESSAGE_LENGTH}`);
  } else return text;
  return null;
}

function checkPriority(value: JsonValue, reasons: string[]): Priority | null {
  if (typeof value === "string" && (PRIORITIES as readonly string[]).includes(value)) {
    return value as Priority;
  }
  reasons.push(`priority must be one of ${PRIORITIES.join(", ")}, got ${show(value)}`);
  return null;
}

function isChannel(value: JsonValue): value is Channel {
  return typeof value === "string" && (CHANNELS as readonly string[]).includes(value);
}

function show(value: JsonValue): string {
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
