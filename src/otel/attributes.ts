/**
 * The attributes of the two kinds of span, built only while a tracer provider is registered and
 * given when the span starts, where a sampler can look at them.
 */
import type { Attributes } from "@opentelemetry/api";
import { type Event, hopOf } from "../core/event.js";
import { HEADER } from "../core/headers.js";
import type { ResolvedTracingOptions } from "./options.js";
import { ATTR, OPERATION } from "./semconv.js";

/** A `process {event_type}` span's: the event as `organ` reads it from the destination. */
export function processAttributes(
  event: Event,
  organ: string,
  options: ResolvedTracingOptions,
): Attributes {
  const correlation = event.headers[HEADER.CORRELATION_ID] ?? event.id;
  const attributes: Attributes = {
    [ATTR.MESSAGING_SYSTEM]: options.system,
    [ATTR.MESSAGING_OPERATION_TYPE]: OPERATION.PROCESS,
    [ATTR.MESSAGING_OPERATION_NAME]: OPERATION.PROCESS,
    [ATTR.MESSAGING_DESTINATION_NAME]: options.destination,
    [ATTR.MESSAGING_MESSAGE_ID]: event.id,
    [ATTR.MESSAGING_MESSAGE_CONVERSATION_ID]: correlation,
    [ATTR.NECROSTACK_ORGAN]: organ,
    [ATTR.NECROSTACK_HOP]: hopOf(event),
    [ATTR.NECROSTACK_CORRELATION_ID]: correlation,
  };
  if (options.consumerGroup !== undefined) {
    attributes[ATTR.MESSAGING_CONSUMER_GROUP_NAME] = options.consumerGroup;
  }
  if (options.clientId !== undefined) attributes[ATTR.MESSAGING_CLIENT_ID] = options.clientId;
  return attributes;
}

/**
 * A `send {destination}` span's: `event` as it is written to the destination, emitted by
 * `organ` while handling `cause`, or a start event (no cause, no organ). The lineage the Spine
 * will stamp on it is computed here from the cause, as the Spine does, unless the event has its
 * own.
 */
export function sendAttributes(
  event: Event,
  cause: Event | undefined,
  organ: string | undefined,
  options: ResolvedTracingOptions,
): Attributes {
  const own = event.headers;
  const correlation =
    own[HEADER.CORRELATION_ID] ??
    (cause === undefined ? event.id : (cause.headers[HEADER.CORRELATION_ID] ?? cause.id));
  const hop =
    own[HEADER.HOP] === undefined && cause !== undefined ? hopOf(cause) + 1 : hopOf(event);
  const attributes: Attributes = {
    [ATTR.MESSAGING_SYSTEM]: options.system,
    [ATTR.MESSAGING_OPERATION_TYPE]: OPERATION.SEND,
    [ATTR.MESSAGING_OPERATION_NAME]: OPERATION.SEND,
    [ATTR.MESSAGING_DESTINATION_NAME]: options.destination,
    [ATTR.MESSAGING_MESSAGE_ID]: event.id,
    [ATTR.MESSAGING_MESSAGE_CONVERSATION_ID]: correlation,
    [ATTR.NECROSTACK_EVENT_TYPE]: event.eventType,
    [ATTR.NECROSTACK_HOP]: hop,
    [ATTR.NECROSTACK_CORRELATION_ID]: correlation,
  };
  if (organ !== undefined) attributes[ATTR.NECROSTACK_ORGAN] = organ;
  return attributes;
}
