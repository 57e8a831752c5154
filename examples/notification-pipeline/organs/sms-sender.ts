/**
 * SmsSender (sync): sends through a simulated SMS gateway. A blocked number can never succeed, so
 * the organ throws a PermanentDeliveryError: the Spine records the SMS_SEND_REQUESTED as failed
 * and it goes to the dead-letter store, from where `dead-letters.ts` reports it as SMS_FAILED.
 */
import { Event, Organ } from "necrostack";
import { BLOCKED_NUMBERS } from "../contacts.js";
import { PermanentDeliveryError } from "../errors.js";
import {
  type OutcomePayload,
  SMS_DELIVERED,
  SMS_SEND_REQUESTED,
  type SmsSendEvent,
} from "../events.js";

export class SmsSender extends Organ<SmsSendEvent> {
  readonly listensTo = [SMS_SEND_REQUESTED] as const;

  handle(event: SmsSendEvent): Event {
    const request = event.payload;
    if (BLOCKED_NUMBERS.has(request.to)) {
      throw new PermanentDeliveryError("sms", `number ${request.to} is blocked by the SMS gateway`);
    }
    return new Event(SMS_DELIVERED, {
      notificationId: request.notificationId,
      userId: request.userId,
      channel: "sms",
      channels: [...request.channels],
      attempts: 1,
    } satisfies OutcomePayload);
  }
}
