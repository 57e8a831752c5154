/**
 * The observer half: ends each emitted event's send span when the Spine reports what became of
 * it. Committed (acked with its cause, or enqueued) ends it as sent; an enqueue failure, or a
 * cause released or dead-lettered instead of committed, ends it with status ERROR and the reason.
 */
import type { SpineObserver } from "../core/observer.js";
import type { Spans } from "./spans.js";

export function sendObserver(spans: Spans): SpineObserver {
  const hooks: SpineObserver = {
    committed(event, emitted) {
      spans.committed(event, emitted);
    },
    enqueueError(event, error, failure) {
      if (failure.outcome === "retrying") {
        spans.sendSpanOf(event)?.addEvent("enqueue retry", {
          "necrostack.enqueue.attempt": failure.attempt,
          "necrostack.enqueue.delay_ms": failure.delayMs,
        });
        return;
      }
      spans.ended(event, error);
    },
    released(event, reason) {
      spans.notSent(event, `not sent: the event that emitted it was released (${reason})`);
    },
    deadLettered(event, reason) {
      spans.notSent(event, `not sent: the event that emitted it was dead-lettered (${reason})`);
    },
  };
  // The Spine reads an observer's hooks when a run starts and never calls one it did not find:
  // with no provider registered then, this observer has no per-event hook and costs nothing.
  const observer: SpineObserver = {
    runStarted() {
      spans.observed = true;
    },
  };
  for (const name of Object.keys(hooks) as (keyof SpineObserver)[]) {
    Object.defineProperty(observer, name, {
      enumerable: true,
      get: () => (spans.refresh() ? hooks[name] : undefined),
    });
  }
  return observer;
}
