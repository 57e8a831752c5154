/** The errors of routing between backends. */
import { NecroStackError } from "../../core/errors.js";

/** An event's type matches no route: no backend takes it. */
export class NoRouteError extends NecroStackError {
  readonly eventId: string;
  readonly eventType: string;

  constructor(event: { readonly id: string; readonly eventType: string }) {
    super(
      `No route takes event type ${JSON.stringify(event.eventType)} (event ${event.id}); add a route for it, or a last route with types ["*"]`,
      "ERR_NO_ROUTE",
    );
    this.eventId = event.id;
    this.eventType = event.eventType;
  }
}

/**
 * A durable backend that may receive forwards (one of several routed to) has no idempotent
 * enqueue: a forward sent again after a crash would add the event twice.
 */
export class ForwardTargetError extends NecroStackError {
  constructor(option: string, backend: string) {
    super(
      `\`${option}\` is ${backend}, durable but without \`idempotentEnqueue\`: an event forwarded to it again after a crash would be added twice (it needs an \`enqueueOnce()\`, declared in its capabilities)`,
      "ERR_FORWARD_TARGET",
    );
  }
}
