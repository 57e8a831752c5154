/**
 * Child-process tasks: the same A -> B -> C chain without NecroStack, as yardsticks measured in
 * the same run. Each hop builds a new frozen `{ id, timestamp, type, payload }` with a one-field
 * payload, as the NecroStack organs do; start events are made before timing and queued up front.
 * Counts every handled event, three per start event.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";

export interface BaselineArgs {
  readonly starts: number;
  readonly warmup: number;
}

export interface BaselineResult {
  readonly handled: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Handled events per second of CPU time (user + system, all threads). */
  readonly eventsPerCpuSecond: number;
}

interface PlainEvent {
  readonly id: string;
  readonly timestamp: Date;
  readonly type: string;
  readonly payload: { readonly n: number };
}

function plainEvent(type: string, n: number): PlainEvent {
  return Object.freeze({
    id: randomUUID(),
    timestamp: new Date(),
    type,
    payload: Object.freeze({ n }),
  });
}

function plainStarts(count: number): PlainEvent[] {
  const events: PlainEvent[] = new Array(count);
  for (let i = 0; i < count; i++) events[i] = plainEvent("A", i);
  return events;
}

async function measure(
  args: BaselineArgs,
  run: (starts: PlainEvent[]) => Promise<number> | number,
): Promise<BaselineResult> {
  if (args.warmup > 0) await run(plainStarts(args.warmup));
  const starts = plainStarts(args.starts);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const handled = await run(starts);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  if (handled !== 3 * args.starts)
    throw new Error(`handled ${handled}, expected ${3 * args.starts}`);
  return {
    handled,
    seconds,
    eventsPerSecond: handled / seconds,
    eventsPerCpuSecond: handled / ((cpu.user + cpu.system) / 1e6),
  };
}

/** Node's EventEmitter: each listener emits the next event synchronously. */
export function measureEmitter(args: BaselineArgs): Promise<BaselineResult> {
  return measure(args, (starts) => {
    const emitter = new EventEmitter();
    let handled = 0;
    emitter.on("A", (event: PlainEvent) => {
      handled++;
      emitter.emit("B", plainEvent("B", event.payload.n));
    });
    emitter.on("B", (event: PlainEvent) => {
      handled++;
      emitter.emit("C", plainEvent("C", event.payload.n));
    });
    emitter.on("C", () => {
      handled++;
    });
    for (const event of starts) emitter.emit("A", event);
    return handled;
  });
}

type AsyncHandler = (event: PlainEvent) => Promise<PlainEvent | undefined>;

/**
 * A bare async FIFO loop: async handlers, each call awaited, new events pushed on the queue.
 * The floor for a dispatcher that creates real events with an eager id and Date per hop.
 */
export function measureAsyncFifo(args: BaselineArgs): Promise<BaselineResult> {
  const handlers = new Map<string, AsyncHandler>([
    ["A", async (event) => plainEvent("B", event.payload.n)],
    ["B", async (event) => plainEvent("C", event.payload.n)],
    ["C", async () => undefined],
  ]);
  return measure(args, async (starts) => {
    const queue = starts.slice();
    let head = 0;
    let handled = 0;
    while (head < queue.length) {
      const event = queue[head] as PlainEvent;
      queue[head++] = undefined as unknown as PlainEvent;
      const handler = handlers.get(event.type) as AsyncHandler;
      const next = await handler(event);
      handled++;
      if (next !== undefined) queue.push(next);
    }
    return handled;
  });
}
