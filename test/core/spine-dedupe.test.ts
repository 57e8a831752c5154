import { describe, expect, it } from "vitest";
import { Event, InMemoryBackend, Spine } from "../../src/index.js";
import { ScriptedBackend } from "./support/backends.js";
import { organ } from "./support/organs.js";

describe("Spine dedupe", () => {
  it("acks and skips an event whose id was already processed in this run", async () => {
    const backend = new ScriptedBackend();
    const seen: string[] = [];
    const spine = new Spine({
      organs: [organ("Sink", ["A"], (e) => void seen.push(e.id))],
      backend,
      logger: false,
      pollTimeoutMs: 5,
      dedupe: true,
    });
    const event = new Event("A");
    const other = new Event("A");
    const stats = await spine.run([event, other, event]);
    expect(seen).toEqual([event.id, other.id]);
    expect(stats.eventsDeduplicated).toBe(1);
    expect(stats.eventsProcessed).toBe(2);
    expect(backend.acked).toEqual([event, other, event]);
  });

  it("recognises a redelivered copy with the same id", async () => {
    const seen: string[] = [];
    const spine = new Spine({
      organs: [organ("Sink", ["A"], (e) => void seen.push(e.id))],
      backend: new InMemoryBackend(),
      logger: false,
      dedupe: true,
    });
    const event = new Event("A", { n: 1 });
    await spine.run([event, Event.fromJSON(JSON.stringify(event))]);
    expect(seen).toEqual([event.id]);
  });

  it("does not count a skipped duplicate as a step", async () => {
    const event = new Event("A");
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => undefined)],
      backend: new InMemoryBackend(),
      logger: false,
      dedupe: true,
      maxSteps: 1,
    });
    const stats = await spine.run([event, event, event]);
    expect(stats.eventsProcessed).toBe(1);
    expect(stats.eventsDeduplicated).toBe(2);
  });

  it("processes the same id again in a later run", async () => {
    const event = new Event("A");
    let calls = 0;
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => void calls++)],
      backend: new InMemoryBackend(),
      logger: false,
      dedupe: true,
    });
    await spine.run(event);
    await spine.run(event);
    expect(calls).toBe(2);
  });

  it("processes duplicates when dedupe is off (the default)", async () => {
    const event = new Event("A");
    let calls = 0;
    const spine = new Spine({
      organs: [organ("Sink", ["A"], () => void calls++)],
      backend: new InMemoryBackend(),
      logger: false,
    });
    const stats = await spine.run([event, event]);
    expect(calls).toBe(2);
    expect(stats.eventsDeduplicated).toBe(0);
  });
});
