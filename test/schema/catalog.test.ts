/**
 * defineEvents and the catalog at run time: the definitions it refuses (each naming the type),
 * what it lists for tools, and the events and organs it makes.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  CatalogDefinitionError,
  defineEvents,
  HEADER,
  isCatalog,
  type JsonObject,
  Organ,
} from "../../src/index.js";

const note = z.object({ note: z.string() });
const up = (payload: JsonObject): JsonObject => payload;

describe("defineEvents", () => {
  it("lists every type sorted by name, with its version, schema and upcasters", () => {
    const catalog = defineEvents({
      ZEBRA: note,
      APPLE: { schema: note, version: 3, upcast: { 1: up, 2: up } },
    });
    const types = catalog.types();
    expect(types.map((t) => [t.type, t.version])).toEqual([
      ["APPLE", 3],
      ["ZEBRA", 1],
    ]);
    expect(types[0]?.schema).toBe(note);
    expect(Object.keys(types[0]?.upcast ?? {})).toEqual(["1", "2"]);
    expect(types[1]?.upcast).toEqual({});
    expect(Object.isFrozen(types)).toBe(true);
    expect(catalog.entry("APPLE")).toBe(types[0]);
    expect(catalog.entry("PEAR")).toBeUndefined();
    expect(catalog.has("ZEBRA")).toBe(true);
    expect(catalog.has("PEAR")).toBe(false);
  });

  it("takes { schema } with no version as version 1", () => {
    expect(defineEvents({ A: { schema: note } }).entry("A")?.version).toBe(1);
  });

  it.each([
    [{ A: { n: "number" } }, /A: schema must be a Standard Schema v1 validator/],
    [{ A: 3 }, /A: expected a Standard Schema .* got number 3/],
    [{ A: { schema: note, version: 0 } }, /A: version must be an integer >= 1, got number 0/],
    [{ A: { schema: note, version: 1.5 } }, /A: version must be an integer >= 1/],
    [
      { A: { schema: note, version: 3, upcast: { 1: up } } },
      /A: version 3 needs an upcaster for every older version: upcast\[2\] \(version 2 -> 3\) is missing/,
    ],
    [
      { A: { schema: note, version: 2, upcast: { 1: up, 2: up } } },
      /A: upcast key "2" is not a version before 2/,
    ],
    [{ A: { schema: note, version: 2, upcast: { 1: "x" } } }, /A: upcast\[1\] must be a function/],
    [{ " A": note }, /an event type must be non-empty, with no space around it/],
  ])("refuses %j, naming the type", (definitions, message) => {
    expect(() => defineEvents(definitions as never)).toThrow(CatalogDefinitionError);
    expect(() => defineEvents(definitions as never)).toThrow(message);
  });

  it("is recognised by isCatalog, and nothing else is", () => {
    expect(isCatalog(defineEvents({ A: note }))).toBe(true);
    expect(isCatalog({ types: () => [] })).toBe(false);
    expect(isCatalog(null)).toBe(false);
  });
});

describe("catalog.event", () => {
  const catalog = defineEvents({
    PLAIN: note,
    VERSIONED: { schema: note, version: 2, upcast: { 1: up } },
  });

  it("gives a type past version 1 its schema-version header, keeping the headers given", () => {
    const event = catalog.event("VERSIONED", { note: "n" }, { headers: { tenant: "t-1" } });
    expect(event.headers).toEqual({ tenant: "t-1", [HEADER.SCHEMA_VERSION]: "2" });
    expect(event.payload).toEqual({ note: "n" });
  });

  it("gives a version 1 type no header", () => {
    expect(catalog.event("PLAIN", { note: "n" }).headers).toEqual({});
  });

  it("takes the event's other fields", () => {
    const id = "9b2f1f8e-4c1d-4a8e-9f3a-0c6b7d2e1a55";
    const event = catalog.event("PLAIN", { note: "n" }, { id, timestamp: 1_000 });
    expect(event.id).toBe(id);
    expect(event.timestampMs).toBe(1_000);
  });
});

describe("catalog.Organ", () => {
  const catalog = defineEvents({ A: note, B: note });

  it("sets listensTo from its arguments and names the organ after the subclass", () => {
    class Reader extends catalog.Organ("A", "B") {
      handle(): undefined {
        return undefined;
      }
    }
    const reader = new Reader();
    expect(reader).toBeInstanceOf(Organ);
    expect(reader.listensTo).toEqual(["A", "B"]);
    expect(reader.name).toBe("Reader");
    expect(new Reader("Custom").name).toBe("Custom");
  });
});
