/**
 * EmailSender (async): sends through a simulated SMTP relay that fails transiently at a seeded
 * rate. A failed attempt is retried through the event flow: the organ returns a new
 * EMAIL_SEND_REQUESTED with `attempt + 1` and a `notBefore` backoff deadline, so the retry is an
 * ordinary event that any worker may pick up, and a crash between attempts loses nothing. After
 * `maxAttempts` it gives up with EMAIL_FAILED.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Event, Organ } from "necrostack";
import {
  EMAIL_DELIVERED,
  EMAIL_FAILED,
  EMAIL_SEND_REQUESTED,
  type EmailSendEvent,
  type EmailSendPayload,
  type OutcomePayload,
} from "../events.js";
import { emailAttemptFails } from "../seeded.js";

export interface EmailSenderOptions {
  /** Seeds the simulated failures. */
  seed: number;
  /** The share of attempts that fail, in [0, 1]. */
  failureRate: number;
  /** Attempts before giving up, first included. */
  maxAttempts: number;
  /** Retry `n` (from 1) waits `backoffMs * 2 ** (n - 1)` ms. */
  backoffMs: number;
}

export class EmailSender extends Organ<EmailSendEvent> {
  readonly listensTo = [EMAIL_SEND_REQUESTED] as const;
  readonly #options: EmailSenderOptions;

  constructor(options: EmailSenderOptions) {
    super();
    this.#options = options;
  }

  async handle(event: EmailSendEvent): Promise<Event> {
    const request = event.payload;
    const wait = request.notBefore - Date.now();
    if (wait > 0) await sleep(wait);
    const { seed, failureRate, maxAttempts, backoffMs } = this.#options;
    const outcome = {
      notificationId: request.notificationId,
      userId: request.userId,
      channel: "email",
      channels: [...request.channels],
      attempts: request.attempt,
    } satisfies OutcomePayload;
    if (!emailAttemptFails(seed, request.notificationId, request.attempt, failureRate)) {
      return new Event(EMAIL_DELIVERED, outcome);
    }
    if (request.attempt >= maxAttempts) {
      return new Event(EMAIL_FAILED, {
        ...outcome,
        reason: `SMTP relay unavailable on all ${maxAttempts} attempts`,
      } satisfies OutcomePayload);
    }
    return new Event(EMAIL_SEND_REQUESTED, {
      ...request,
      channels: [...request.channels],
      attempt: request.attempt + 1,
      notBefore: Date.now() + backoffMs * 2 ** (request.attempt - 1),
    } satisfies EmailSendPayload);
  }
}
