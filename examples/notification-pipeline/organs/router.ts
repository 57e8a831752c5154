/**
 * Router: fans a validated notification out to one send request per channel, addressed from the
 * contact directory and cut to what each channel carries.
 */
import { Event, Organ } from "necrostack";
import { contactFor } from "../contacts.js";
import {
  EMAIL_SEND_REQUESTED,
  type EmailSendPayload,
  NOTIFICATION_VALIDATED,
  PUSH_SEND_REQUESTED,
  type PushSendPayload,
  SMS_SEND_REQUESTED,
  type SmsSendPayload,
  type ValidatedEvent,
} from "../events.js";

/** One SMS segment. */
const SMS_LENGTH = 160;
/** What a push notification shows before it is cut. */
const PUSH_LENGTH = 256;

export class Router extends Organ<ValidatedEvent> {
  readonly listensTo = [NOTIFICATION_VALIDATED] as const;

  handle(event: ValidatedEvent): Event[] {
    const { notificationId, userId, channels, message, priority } = event.payload;
    const contact = contactFor(userId);
    const common = { notificationId, userId, channels: [...channels], priority };
    return channels.map((channel) => {
      if (channel === "email") {
        return new Event(EMAIL_SEND_REQUESTED, {
          ...common,
          to: contact.email,
          subject: priority === "high" ? `[Urgent] ${headline(message)}` : headline(message),
          body: message,
          attempt: 1,
          notBefore: 0,
        } satisfies EmailSendPayload);
      }
      if (channel === "sms") {
        return new Event(SMS_SEND_REQUESTED, {
          ...common,
          to: contact.phone,
          text: cut(message, SMS_LENGTH),
        } satisfies SmsSendPayload);
      }
      return new Event(PUSH_SEND_REQUESTED, {
        ...common,
        deviceToken: contact.deviceToken,
        title: headline(message),
        body: cut(message, PUSH_LENGTH),
      } satisfies PushSendPayload);
    });
  }
}

function headline(message: string): string {
  return cut(message.split("\n", 1)[0] ?? message, 60);
}

function cut(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
