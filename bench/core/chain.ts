/**
 * The benchmark workload: a 3-organ chain where A emits B, B emits C and C ends it. Each organ
 * builds a new one-field payload, so every hop creates and validates a real event.
 */
import type {
  Event as EventClass,
  Organ as OrganClass,
  Spine as SpineClass,
} from "../../src/index.js";
import type { Package } from "../lib/built.js";

type Payload = { readonly n: number };

/**
 * The chain's organs, from the given build of the package, and a count of events that reached C.
 * `onA` is called first thing in A's handler (the latency probe).
 */
export function chainOrgans(
  pkg: Package,
  onA?: (event: EventClass<"A", Payload>) => void,
): { organs: OrganClass[]; completed: () => number } {
  const { Event, Organ } = pkg;
  let completed = 0;
  class A extends Organ<EventClass<"A", Payload>> {
    readonly listensTo = ["A"] as const;
    handle(event: EventClass<"A", Payload>): EventClass {
      onA?.(event);
      return new Event("B", { n: event.payload.n });
    }
  }
  class B extends Organ<EventClass<"B", Payload>> {
    readonly listensTo = ["B"] as const;
    handle(event: EventClass<"B", Payload>): EventClass {
      return new Event("C", { n: event.payload.n });
    }
  }
  class C extends Organ<EventClass<"C", Payload>> {
    readonly listensTo = ["C"] as const;
    handle(_event: EventClass<"C", Payload>): undefined {
      completed++;
    }
  }
  return { organs: [new A(), new B(), new C()], completed: () => completed };
}

/** `count` start events of type A, made before any timing starts. */
export function startEvents(pkg: Package, count: number): EventClass[] {
  const events: EventClass[] = new Array(count);
  for (let i = 0; i < count; i++) events[i] = new pkg.Event("A", { n: i });
  return events;
}

/** What one timed run of the chain measured. */
export interface TimedRun {
  readonly handled: number;
  readonly seconds: number;
  /** User + system CPU time of the process, every thread. */
  readonly cpuSeconds: number;
}

/**
 * Runs `spine` (built on {@link chainOrgans}) over `starts` fresh start events, timing only
 * `spine.run`; throws if the chain lost an event, so a broken variant never reports a speed.
 */
export async function timeChainRun(
  pkg: Package,
  spine: SpineClass,
  starts: number,
  completed: () => number,
): Promise<TimedRun> {
  const events = startEvents(pkg, starts);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const stats = await spine.run(events);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  if (stats.eventsProcessed !== 3 * starts || completed() !== starts) {
    throw new Error(
      `chain lost events: ${stats.eventsProcessed} handled and ${completed()} completed of ${starts} starts`,
    );
  }
  return { handled: stats.eventsProcessed, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
