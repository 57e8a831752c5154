import { describe, expect, it } from "vitest";
import { Event, InMemoryBackend, Organ, Spine } from "../../src/index.js";

class Echo extends Organ {
  readonly listensTo = ["PING"];
  handle(event: Event) {
    return new Event("PONG", event.payload);
  }
}

describe("Spine", () => {
  it("runs a two-step chain on the in-memory backend until idle", async () => {
    const spine = new Spine({
      organs: [new Echo()],
      backend: new InMemoryBackend(),
      logger: false,
    });
    const stats = await spine.run(new Event("PING", { n: 1 }));
    expect(stats.eventsProcessed).toBe(2);
    expect(stats.eventsUnrouted).toBe(1);
  });
});
