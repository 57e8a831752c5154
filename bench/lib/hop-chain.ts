/**
 * The 3-organ chain of the backend suites (A emits B emits C), each event stamped with when it
 * was handed to the backend, so the same organs measure throughput and hop latency on any
 * backend.
 */
import { performance } from "node:perf_hooks";
import type { Event as EventClass, Organ as OrganClass } from "../../src/index.js";
import type { Package } from "./built.js";

/** A hop's payload: the job number and when the event was handed to the backend (ms). */
export type HopPayload = { readonly n: number; readonly t: number };

export interface HopChain {
  readonly organs: OrganClass[];
  /** Resolves once C has handled `starts` events. */
  readonly done: Promise<void>;
  completed(): number;
}

/** A -> B -> C, from the given build of the package. `onHandle` sees every event first thing. */
export function hopChain(
  pkg: Package,
  starts: number,
  onHandle?: (event: EventClass<string, HopPayload>) => void,
): HopChain {
  const { Event, Organ } = pkg;
  let completed = 0;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const next = (type: string, from: EventClass<string, HopPayload>): EventClass =>
    new Event(type, { n: from.payload.n, t: performance.now() });
  class A extends Organ<EventClass<"A", HopPayload>> {
    readonly listensTo = ["A"] as const;
    handle(event: EventClass<"A", HopPayload>): EventClass {
      onHandle?.(event);
      return next("B", event);
    }
  }
  class B extends Organ<EventClass<"B", HopPayload>> {
    readonly listensTo = ["B"] as const;
    handle(event: EventClass<"B", HopPayload>): EventClass {
      onHandle?.(event);
      return next("C", event);
    }
  }
  class C extends Organ<EventClass<"C", HopPayload>> {
    readonly listensTo = ["C"] as const;
    handle(event: EventClass<"C", HopPayload>): undefined {
      onHandle?.(event);
      if (++completed === starts) finish();
    }
  }
  return { organs: [new A(), new B(), new C()], done, completed: () => completed };
}
