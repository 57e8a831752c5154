/** The example's own errors; like NecroStack's, each has a stable `code`. */
import { NecroStackError } from "necrostack";

/** A send that can never succeed, however often it is retried: it goes to the dead-letter store. */
export class PermanentDeliveryError extends NecroStackError {
  readonly channel: string;

  constructor(channel: string, message: string) {
    super(message, "ERR_PERMANENT_DELIVERY");
    this.channel = channel;
  }
}

/** A command-line flag, input file or interactive line that cannot be used as given. */
export class InputError extends NecroStackError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "ERR_NOTIFICATION_INPUT", options);
  }
}
