/**
 * The Spine's JSON log lines, as an observer. Info lines (one per dispatch, per emission, per
 * unrouted event) are the per-event cost of logging: the hooks for them exist only while the
 * logger's level lets info through, checked once per run.
 */
import type { Event } from "./event.js";
import type { OrganInfo } from "./handler.js";
import { errorField, type Logger } from "./logging.js";
import type { EnqueueFailure, SpineObserver } from "./observer.js";

/** The Spine's log lines through `log`; info lines only when `info` is on. */
export function logObserver(log: Logger, info: boolean): SpineObserver {
  const lines: SpineObserver = {
    handlerError(event: Event, organ: OrganInfo, error: unknown, retrying: boolean): void {
      log.error(
        {
          event_id: event.id,
          event_type: event.eventType,
          organ: organ.name,
          error: errorField(error),
        },
        `Organ ${organ.name} failed on ${event.eventType}${retrying ? " (will retry)" : ""}: ${errorField(error)}`,
      );
    },
    enqueueError(event: Event, error: unknown, failure: EnqueueFailure): void {
      const fields = { event_id: event.id, event_type: event.eventType, error: errorField(error) };
      if (failure.outcome === "stored") {
        log.warn(
          fields,
          `Enqueue failed; ${event.eventType} kept in the failed-event store: ${errorField(error)}`,
        );
      } else if (failure.outcome === "retrying") {
        const retries = failure.attempts - 1;
        log.warn(
          { ...fields, attempt: failure.attempt, delay_ms: failure.delayMs },
          `Enqueue failed, retry ${failure.attempt}/${retries} in ${failure.delayMs} ms: ${errorField(error)}`,
        );
      } else {
        log.error(fields, errorField(error));
      }
    },
    backendError(operation: string, error: unknown, event: Event | undefined): void {
      log.error(
        event === undefined
          ? { error: errorField(error) }
          : { event_id: event.id, event_type: event.eventType, error: errorField(error) },
        `Backend ${operation} failed: ${errorField(error)}`,
      );
    },
    released(event: Event, reason: string, delayMs: number): void {
      log.warn(
        { event_id: event.id, event_type: event.eventType, reason, delay_ms: delayMs },
        delayMs > 0
          ? `Leaving ${event.eventType} unacked for redelivery in ${delayMs} ms: ${reason}`
          : `Leaving ${event.eventType} unacked: ${reason}`,
      );
    },
    deadLettered(event: Event, reason: string): void {
      log.warn(
        { event_id: event.id, event_type: event.eventType, reason },
        `Gave ${event.eventType} up to the dead-letter store: ${reason}`,
      );
    },
    loopStopped(event: Event, hop: number, maxHops: number): void {
      log.warn(
        { event_id: event.id, event_type: event.eventType, hop, max_hops: maxHops },
        `Loop protection: ${event.eventType} is at hop ${hop}, past maxHops ${maxHops}; not handled`,
      );
    },
  };
  if (!info) return lines;
  lines.dispatch = (event: Event, organ: OrganInfo): void => {
    log.info(
      { event_id: event.id, event_type: event.eventType, organ: organ.name },
      `Dispatching ${event.eventType} to ${organ.name}`,
    );
  };
  lines.emitted = (event: Event, organ: OrganInfo, events: readonly Event[]): void => {
    log.info(
      {
        event_id: event.id,
        event_type: event.eventType,
        organ: organ.name,
        emitted: events.map((e) => e.eventType),
      },
      `Organ ${organ.name} emitted ${events.length} event${events.length === 1 ? "" : "s"}`,
    );
  };
  lines.unrouted = (event: Event): void => {
    log.info(
      { event_id: event.id, event_type: event.eventType },
      `No organ listens to ${event.eventType}; acked`,
    );
  };
  return lines;
}
