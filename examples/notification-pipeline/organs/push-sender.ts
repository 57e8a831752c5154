/** PushSender (async): hands the notification to a simulated push service, which always accepts. */
import { Event, Organ } from "necrostack";
import {
  type OutcomePayload,
  PUSH_DELIVERED,
  PUSH_SEND_REQUESTED,
  type PushSendEvent,
} from "../events.js";

export class PushSender extends Organ<PushSendEvent> {
  readonly listensTo = [PUSH_SEND_REQUESTED] as const;

  async handle(event: PushSendEvent): Promise<Event> {
    const request = event.payload;
    return new Event(PUSH_DELIVERED, {
      notificationId: request.notificationId,
      userId: request.userId,
      channel: "push",
      channels: [...request.channels],
      attempts: 1,
    } satisfies OutcomePayload);
  }
}
