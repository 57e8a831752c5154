/**
 * Dead-letter reports. A send that failed for good (a blocked SMS number) sits in the dead-letter
 * store: the Spine's failed-event store in one process, the Redis backend's dead-letter stream
 * with workers. Either way the Audit organ must still hear that the channel is settled, or the
 * notification would never complete; this turns a dead-lettered send request into the channel's
 * `*_FAILED` event, marked `deadLettered`.
 */
import { Event } from "necrostack";
import {
  CHANNELS,
  type Channel,
  FAILED,
  type OutcomePayload,
  SEND_REQUESTED,
  type SmsSendPayload,
} from "./events.js";

/** The `*_FAILED` event reporting `event` as dead-lettered, or null if it is not a send request. */
export function deadLetterReport(event: Event, reason: string): Event | null {
  const channel = channelOf(event.eventType);
  if (channel === null) return null;
  // Every send request carries these fields (see ChannelFields in events.ts).
  const request = event.payload as Readonly<
    Pick<SmsSendPayload, "notificationId" | "userId" | "channels">
  > & {
    attempt?: number;
  };
  return new Event(FAILED[channel], {
    notificationId: request.notificationId,
    userId: request.userId,
    channel,
    channels: [...request.channels],
    attempts: request.attempt ?? 1,
    reason,
    deadLettered: true,
  } satisfies OutcomePayload);
}

function channelOf(eventType: string): Channel | null {
  for (const channel of CHANNELS) if (SEND_REQUESTED[channel] === eventType) return channel;
  return null;
}
