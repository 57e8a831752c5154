import { describe, expect, it } from "vitest";
import { DEDUPE_DEFAULTS, DedupeStore, resolveDedupeOptions } from "../../src/core/dedupe-store.js";
import { InvalidOptionError } from "../../src/index.js";

const MINUTE = 60_000;

function store(maxIds: number, ttlMs = Number.POSITIVE_INFINITY): DedupeStore {
  return new DedupeStore({ maxIds, ttlMs });
}

describe("DedupeStore", () => {
  it("holds an id once it is added", () => {
    const ids = store(10);
    expect(ids.has("a", 0)).toBe(false);
    ids.add("a", 0);
    expect(ids.has("a", 0)).toBe(true);
    expect(ids.size).toBe(1);
  });

  it("keeps at most maxIds ids, forgetting the oldest first", () => {
    const ids = store(3);
    for (let i = 0; i < 10; i++) ids.add(`id-${i}`, 0);
    expect(ids.size).toBe(3);
    expect(["id-6", "id-7", "id-8", "id-9"].map((id) => ids.has(id, 0))).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });

  it("keeps insertion order past its first allocation (it grows up to maxIds)", () => {
    const ids = store(5_000);
    for (let i = 0; i < 5_001; i++) ids.add(`id-${i}`, 0);
    expect(ids.size).toBe(5_000);
    expect(ids.has("id-0", 0)).toBe(false);
    expect(ids.has("id-1", 0)).toBe(true);
    expect(ids.has("id-5000", 0)).toBe(true);
  });

  it("forgets an id ttlMs after it was added", () => {
    const ids = store(10, MINUTE);
    ids.add("early", 0);
    ids.add("late", 30_000);
    expect(ids.has("early", MINUTE - 1)).toBe(true);
    expect(ids.has("early", MINUTE)).toBe(false);
    expect(ids.has("late", MINUTE)).toBe(true);
    expect(ids.size).toBe(1);
  });

  it("does not move or refresh an id added again", () => {
    const ids = store(2, MINUTE);
    ids.add("a", 0);
    ids.add("b", 10);
    ids.add("a", 20);
    expect(ids.size).toBe(2);
    ids.add("c", 30);
    expect(ids.has("a", 30)).toBe(false);
    expect(ids.has("b", 30)).toBe(true);
  });

  it("stays at maxIds through many times maxIds ids", () => {
    const ids = store(1_000, MINUTE);
    for (let i = 0; i < 100_000; i++) ids.add(`id-${i}`, i / 100);
    expect(ids.size).toBe(1_000);
    expect(ids.has("id-99999", 1_000)).toBe(true);
  });
});

describe("resolveDedupeOptions", () => {
  it("is off for false and undefined", () => {
    expect(resolveDedupeOptions(false)).toBeUndefined();
    expect(resolveDedupeOptions(undefined)).toBeUndefined();
  });

  it("applies the defaults for true and for an empty object", () => {
    expect(resolveDedupeOptions(true)).toEqual({ maxIds: 100_000, ttlMs: 10 * MINUTE });
    expect(resolveDedupeOptions({})).toEqual(DEDUPE_DEFAULTS);
  });

  it("takes Infinity for ttlMs", () => {
    expect(resolveDedupeOptions({ ttlMs: Number.POSITIVE_INFINITY, maxIds: 5 })).toEqual({
      maxIds: 5,
      ttlMs: Number.POSITIVE_INFINITY,
    });
  });

  it.each([
    [
      { maxIds: 0 },
      "dedupe.maxIds",
      "Expected `dedupe.maxIds` to be an integer >= 1, got `0` (number)",
    ],
    [{ maxIds: Number.POSITIVE_INFINITY }, "dedupe.maxIds", "an integer >= 1"],
    [{ ttlMs: 0 }, "dedupe.ttlMs", "an integer >= 1 or Infinity"],
    ["yes", "dedupe", "Expected `dedupe` to be a boolean or { maxIds?, ttlMs? }"],
  ])("rejects %j with an InvalidOptionError naming %s", (value, option, text) => {
    let error: unknown;
    try {
      resolveDedupeOptions(value as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe(option);
    expect((error as InvalidOptionError).message).toContain(text);
  });
});
