/**
 * The pipeline's event types and their payloads. Every event carries the notification's id and
 * the channels it asked for, so any organ (on any worker) can act on it without shared state.
 */
import type { Event, JsonValue } from "necrostack";

/** The delivery channels a notification may ask for. */
export const CHANNELS = ["email", "sms", "push"] as const;
export type Channel = (typeof CHANNELS)[number];

/** How urgent a notification is. */
export const PRIORITIES = ["low", "normal", "high"] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The event types, in pipeline order. */
export const NOTIFICATION_REQUESTED = "NOTIFICATION_REQUESTED";
export const NOTIFICATION_VALIDATED = "NOTIFICATION_VALIDATED";
export const NOTIFICATION_FAILED = "NOTIFICATION_FAILED";
export const EMAIL_SEND_REQUESTED = "EMAIL_SEND_REQUESTED";
export const SMS_SEND_REQUESTED = "SMS_SEND_REQUESTED";
export const PUSH_SEND_REQUESTED = "PUSH_SEND_REQUESTED";
export const EMAIL_DELIVERED = "EMAIL_DELIVERED";
export const SMS_DELIVERED = "SMS_DELIVERED";
export const PUSH_DELIVERED = "PUSH_DELIVERED";
export const EMAIL_FAILED = "EMAIL_FAILED";
export const SMS_FAILED = "SMS_FAILED";
export const PUSH_FAILED = "PUSH_FAILED";
export const DELIVERY_COMPLETED = "DELIVERY_COMPLETED";

/**
 * A request as it arrives: nothing about it is trusted yet. `notificationId` is assigned by the
 * program that accepts the request (in input order), so reruns with the same input and seed
 * make the same decisions.
 */
export type RequestedPayload = {
  notificationId: string;
  userId?: JsonValue;
  channels?: JsonValue;
  message?: JsonValue;
  priority?: JsonValue;
};

/** A request that passed validation. */
export type ValidatedPayload = {
  notificationId: string;
  userId: string;
  channels: Channel[];
  message: string;
  priority: Priority;
};

/** A request that did not, with every reason. */
export type InvalidPayload = {
  notificationId: string;
  userId: string | null;
  reasons: string[];
};

/** Fields every per-channel event carries. */
type ChannelFields = {
  notificationId: string;
  userId: string;
  /** Every channel of the notification, so the audit knows when all have settled. */
  channels: Channel[];
  priority: Priority;
};

export type EmailSendPayload = ChannelFields & {
  to: string;
  subject: string;
  body: string;
  /** 1 for the first try; each retry is a new EMAIL_SEND_REQUESTED with this one higher. */
  attempt: number;
  /** Epoch ms before which this attempt must not start: the retry's backoff. 0 for the first. */
  notBefore: number;
};

export type SmsSendPayload = ChannelFields & { to: string; text: string };

export type PushSendPayload = ChannelFields & { deviceToken: string; title: string; body: string };

/** A channel's final outcome: the payload of every *_DELIVERED and *_FAILED event. */
export type OutcomePayload = {
  notificationId: string;
  userId: string;
  channel: Channel;
  channels: Channel[];
  /** How many sends it took (email retries make this more than 1). */
  attempts: number;
  /** Why it failed; absent on delivery. */
  reason?: string;
  /** True when the failure went through the dead-letter store. */
  deadLettered?: boolean;
};

export type CompletedPayload = {
  notificationId: string;
  userId: string;
  delivered: Channel[];
  failed: Channel[];
};

export type RequestedEvent = Event<typeof NOTIFICATION_REQUESTED, RequestedPayload>;
export type ValidatedEvent = Event<typeof NOTIFICATION_VALIDATED, ValidatedPayload>;
export type InvalidEvent = Event<typeof NOTIFICATION_FAILED, InvalidPayload>;
export type EmailSendEvent = Event<typeof EMAIL_SEND_REQUESTED, EmailSendPayload>;
export type SmsSendEvent = Event<typeof SMS_SEND_REQUESTED, SmsSendPayload>;
export type PushSendEvent = Event<typeof PUSH_SEND_REQUESTED, PushSendPayload>;

/** The send request and the failure event of each channel. */
export const SEND_REQUESTED = {
  email: EMAIL_SEND_REQUESTED,
  sms: SMS_SEND_REQUESTED,
  push: PUSH_SEND_REQUESTED,
} as const satisfies Record<Channel, string>;
export const FAILED = {
  email: EMAIL_FAILED,
  sms: SMS_FAILED,
  push: PUSH_FAILED,
} as const satisfies Record<Channel, string>;
export type OutcomeType =
  | typeof EMAIL_DELIVERED
  | typeof SMS_DELIVERED
  | typeof PUSH_DELIVERED
  | typeof EMAIL_FAILED
  | typeof SMS_FAILED
  | typeof PUSH_FAILED;
export type OutcomeEvent = Event<OutcomeType, OutcomePayload>;
