/**
 * The names the spans carry: the OpenTelemetry messaging semantic conventions (spans and
 * attributes as the conventions name them now: `messaging.operation.type`, not the older
 * `messaging.operation`), copied as strings because the package exports them only from its
 * unstable "incubating" entry, and NecroStack's own attributes beside them.
 */

/** Messaging attributes, as the semantic conventions name them. */
export const ATTR = {
  /** The messaging system: `"redis"`, `"in_memory"`, or what the options say. */
  MESSAGING_SYSTEM: "messaging.system",
  /** `"send"` on producer spans, `"process"` on consumer spans. */
  MESSAGING_OPERATION_TYPE: "messaging.operation.type",
  /** The operation's name in the system: `"send"` and `"process"` here too. */
  MESSAGING_OPERATION_NAME: "messaging.operation.name",
  /** The stream (or queue) the event is written to or read from. */
  MESSAGING_DESTINATION_NAME: "messaging.destination.name",
  /** The event's id. */
  MESSAGING_MESSAGE_ID: "messaging.message.id",
  /** The conversation the message belongs to: the chain's `correlation-id`. */
  MESSAGING_MESSAGE_CONVERSATION_ID: "messaging.message.conversation_id",
  /** The consumer group reading the stream (Redis), on process spans. */
  MESSAGING_CONSUMER_GROUP_NAME: "messaging.consumer.group.name",
  /** The consumer within its group (a RedisBackend's `consumerName`), on process spans. */
  MESSAGING_CLIENT_ID: "messaging.client.id",
  /** What failed, on a span whose status is ERROR: the error's class name. */
  ERROR_TYPE: "error.type",
  /** The organ whose handler the span is about (process) or whose handler emitted the event (send). */
  NECROSTACK_ORGAN: "necrostack.organ",
  /** The event's hop: handling steps from the first event of its chain. */
  NECROSTACK_HOP: "necrostack.hop",
  /** The chain's `correlation-id` header: the business-level id that ties a chain together. */
  NECROSTACK_CORRELATION_ID: "necrostack.correlation_id",
  /** The event's type, on send spans (process spans have it in their name). */
  NECROSTACK_EVENT_TYPE: "necrostack.event_type",
} as const;

/** The values of `messaging.operation.type` (and `messaging.operation.name`) NecroStack uses. */
export const OPERATION = {
  SEND: "send",
  PROCESS: "process",
} as const;

/** `messaging.system` for the backends NecroStack ships. */
export const MESSAGING_SYSTEM = {
  REDIS: "redis",
  IN_MEMORY: "in_memory",
} as const;
