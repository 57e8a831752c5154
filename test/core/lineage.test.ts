import { describe, expect, it } from "vitest";
import { headersJson, hopOf, stampLineage } from "../../src/core/event.js";
import { Event } from "../../src/index.js";

describe("Event lineage", () => {
  it("makes correlation-id, causation-id and hop from the cause, and keeps the chain's first id", () => {
    const root = new Event("A");
    const b = new Event("B");
    stampLineage(b, root);
    const c = new Event("C");
    stampLineage(c, b);
    expect(hopOf(root)).toBe(0);
    expect(hopOf(c)).toBe(2);
    expect(c.headers).toEqual({ "correlation-id": root.id, "causation-id": b.id, hop: "2" });
  });

  it("writes the same headers as JSON without building them, for transports", () => {
    const root = new Event({ eventType: "A", headers: { "correlation-id": 'quoted "id"' } });
    const child = new Event("B");
    stampLineage(child, root);
    const text = headersJson(child);
    expect(JSON.parse(text)).toEqual(child.headers);
    expect(JSON.parse(text)["correlation-id"]).toBe('quoted "id"');
  });

  it("keeps headers the emitting organ set itself, and writes nothing for an event with none", () => {
    const cause = new Event("A");
    const child = new Event({ eventType: "B", headers: { hop: "7", tenant: "t" } });
    stampLineage(child, cause);
    expect(hopOf(child)).toBe(7);
    expect(child.headers).toMatchObject({ hop: "7", tenant: "t", "causation-id": cause.id });
    expect(JSON.parse(headersJson(child))).toEqual(child.headers);
    expect(headersJson(new Event("PLAIN"))).toBe("");
  });

  it("reads a hop header that is not a non-negative integer as hop 0", () => {
    expect(hopOf(new Event({ eventType: "A", headers: { hop: "lots" } }))).toBe(0);
    expect(hopOf(new Event({ eventType: "A", headers: { hop: "-3" } }))).toBe(0);
  });

  it("keeps the chain's correlation id across the hops where lazily kept causes are cut", () => {
    let event = new Event("A");
    const first = event;
    for (let hop = 1; hop <= 40; hop++) {
      const next = new Event("A");
      stampLineage(next, event);
      event = next;
    }
    expect(hopOf(event)).toBe(40);
    expect(event.headers["correlation-id"]).toBe(first.id);
  });
});
