import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FailedEvent, FailedEventStore } from "../../src/core/failed-events.js";
import { Event } from "../../src/index.js";

function entry(n: number): FailedEvent {
  return { event: new Event("F", { n }), error: new Error(`e${n}`), stage: "enqueue", failedAt: n };
}

describe("FailedEventStore", () => {
  it("keeps the newest `capacity` entries, oldest first, and counts the ones it dropped", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 50 }),
        fc.nat({ max: 400 }),
        fc.nat({ max: 3 }),
        (capacity, adds, drains) => {
          const store = new FailedEventStore(capacity);
          const model: number[] = [];
          let dropped = 0;
          const drainAt = new Set(
            Array.from({ length: drains }, (_, i) => Math.floor(((i + 1) * adds) / (drains + 1))),
          );
          for (let n = 0; n < adds; n++) {
            if (drainAt.has(n)) {
              expect(store.drain().map((f) => f.failedAt)).toEqual(model.splice(0));
            }
            store.add(entry(n));
            model.push(n);
            if (model.length > capacity) {
              model.shift();
              dropped++;
            }
          }
          expect(store.list().map((f) => f.failedAt)).toEqual(model);
          expect(store.dropped).toBe(dropped);
        },
      ),
    );
  });

  it("freezes each entry", () => {
    const store = new FailedEventStore(2);
    store.add(entry(1));
    expect(Object.isFrozen(store.list()[0])).toBe(true);
  });

  it("keeps nothing at capacity 0 and counts every entry as dropped", () => {
    const store = new FailedEventStore(0);
    store.add(entry(1));
    store.add(entry(2));
    expect(store.list()).toEqual([]);
    expect(store.dropped).toBe(2);
  });
});
