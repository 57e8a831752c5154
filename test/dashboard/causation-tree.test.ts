import { describe, expect, it } from "vitest";
import { buildCausationTree, type ChainEvent } from "../../src/core/inspect/causation-tree.js";
import type { ValidEventRow } from "../../src/core/inspect/event-row.js";
import { reasonKind } from "../../src/core/inspect/reason-kind.js";

function event(id: string, cause?: string, root = "a", at = id): ValidEventRow {
  const headers: Record<string, string> = {};
  if (cause !== undefined) {
    headers["correlation-id"] = root;
    headers["causation-id"] = cause;
  }
  return {
    entryId: `e-${id}`,
    id,
    eventType: "T",
    timestamp: `2024-01-01T00:00:0${at.length}Z-${at}`,
    headers,
    payload: {},
  };
}
const found = (...events: ValidEventRow[]): ChainEvent[] =>
  events.map((e) => ({ event: e, location: "stream" }));

describe("causation tree", () => {
  it("links each event to the one that caused it and lists what each caused", () => {
    const tree = buildCausationTree(
      "c",
      found(event("d", "b"), event("c", "b"), event("b", "a"), event("a")),
    );
    expect(tree?.root).toBe("a");
    expect(tree?.correlationId).toBe("a");
    const byId = new Map(tree?.nodes.map((n) => [n.event.id, n]));
    expect(byId.get("a")?.parent).toBeNull();
    expect(byId.get("b")?.parent).toBe("a");
    expect([...(byId.get("b")?.children ?? [])].sort()).toEqual(["c", "d"]);
    expect(tree?.nodes[0]?.event.id).toBe("c");
    expect(tree?.truncated).toBe(false);
  });

  it("names a cause that was not found instead of inventing a parent", () => {
    const tree = buildCausationTree("c", found(event("c", "gone")));
    expect(tree?.root).toBe("c");
    expect(tree?.nodes[0]).toMatchObject({ parent: null, missingParent: "gone" });
  });

  it("keeps the nodes nearest the focus when the chain is larger than maxNodes", () => {
    const chain = [event("a")];
    for (let i = 1; i < 50; i++) chain.push(event(`n${i}`, i === 1 ? "a" : `n${i - 1}`));
    const tree = buildCausationTree("n10", found(...chain), 5);
    expect(tree?.nodes.length).toBe(5);
    expect(tree?.truncated).toBe(true);
    expect(tree?.nodes.map((n) => n.event.id)).toEqual(["n10", "n9", "n8", "n7", "n6"]);
  });

  it("survives a cycle of causation ids", () => {
    const tree = buildCausationTree("x", found(event("x", "y"), event("y", "x")));
    expect(tree?.nodes.length).toBe(2);
  });

  it("shows an event found twice at its dead letter, listing the other entry", () => {
    const inStream = event("b", "a");
    const dead = { ...event("b", "a"), entryId: "d-1" };
    const tree = buildCausationTree("b", [
      { event: inStream, location: "stream" },
      { event: dead, location: "dead-letters", deadLetter: { reason: "r", failedAt: "t" } },
      { event: event("a"), location: "stream" },
    ]);
    const node = tree?.nodes.find((n) => n.event.id === "b");
    expect(node?.location).toBe("dead-letters");
    expect(node?.alsoAt).toEqual([{ location: "stream", entryId: "e-b" }]);
  });

  it("is null when the focus is not among the events", () => {
    expect(buildCausationTree("z", found(event("a")))).toBeNull();
  });
});

describe("dead-letter reason kinds", () => {
  it("sorts the reasons the Spine and the backends write", () => {
    expect(reasonKind("Failed on all 3 deliveries; last failure: Organ p failed: x")).toBe(
      "retries-exhausted",
    );
    expect(reasonKind("Exceeded 3 deliveries (last delivered to consumer c)")).toBe(
      "retries-exhausted",
    );
    expect(reasonKind("Organ payments failed: Error: down")).toBe("handler-error");
    expect(reasonKind("loop protection: hop 101 > maxHops 100")).toBe("loop-protection");
    expect(reasonKind("Rejected by its consumer")).toBe("rejected");
    expect(reasonKind("something else")).toBe("other");
    expect(reasonKind("Organ x failed", false)).toBe("invalid-event");
  });
});
