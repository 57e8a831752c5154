/**
 * Audit: writes one audit line per channel outcome and per invalid request, and emits
 * DELIVERY_COMPLETED once every channel a notification asked for has been delivered or has failed
 * for good. Which line settles the last channel is decided by the audit log, so it holds however
 * many workers record outcomes at once.
 */
import { Event, type HandlerResult, Organ } from "necrostack";
import type { AuditLine, AuditLog, Completion } from "../audit-log.js";
import {
  type CompletedPayload,
  DELIVERY_COMPLETED,
  EMAIL_DELIVERED,
  EMAIL_FAILED,
  type InvalidEvent,
  NOTIFICATION_FAILED,
  type OutcomeEvent,
  PUSH_DELIVERED,
  PUSH_FAILED,
  SMS_DELIVERED,
  SMS_FAILED,
} from "../events.js";

export class Audit extends Organ<OutcomeEvent | InvalidEvent> {
  readonly listensTo = [
    EMAIL_DELIVERED,
    SMS_DELIVERED,
    PUSH_DELIVERED,
    EMAIL_FAILED,
    SMS_FAILED,
    PUSH_FAILED,
    NOTIFICATION_FAILED,
  ] as const;
  readonly #log: AuditLog;

  constructor(log: AuditLog) {
    super();
    this.#log = log;
  }

  handle(event: OutcomeEvent | InvalidEvent): HandlerResult | Promise<HandlerResult> {
    if (event.eventType === NOTIFICATION_FAILED) {
      const { notificationId, userId, reasons } = (event as InvalidEvent).payload;
      const line: AuditLine = {
        notificationId,
        userId,
        channel: null,
        outcome: "invalid",
        attempts: 0,
        reason: reasons.join("; "),
      };
      return settle(this.#log.record(line, []), userId);
    }
    const outcome = (event as OutcomeEvent).payload;
    const line: AuditLine = {
      notificationId: outcome.notificationId,
      userId: outcome.userId,
      channel: outcome.channel,
      outcome: event.eventType.endsWith("_DELIVERED") ? "delivered" : "failed",
      attempts: outcome.attempts,
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      ...(outcome.deadLettered === true ? { deadLettered: true } : {}),
    };
    return settle(this.#log.record(line, outcome.channels), outcome.userId);
  }
}

/** Stays synchronous when the log answers synchronously (in memory), so the Spine's fast path holds. */
function settle(
  result: Completion | null | Promise<Completion | null>,
  userId: string | null,
): HandlerResult | Promise<HandlerResult> {
  if (result instanceof Promise) return result.then((done) => completed(done, userId));
  return completed(result, userId);
}

function completed(done: Completion | null, userId: string | null): Event | null {
  if (done === null || userId === null) return null;
  return new Event(DELIVERY_COMPLETED, {
    notificationId: done.notificationId,
    userId,
    delivered: done.delivered,
    failed: done.failed,
  } satisfies CompletedPayload);
}
