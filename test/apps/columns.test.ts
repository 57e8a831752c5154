import { describe, expect, it } from "vitest";
import { inferColumns, readDate, readNumber } from "../../src/apps/etl/columns.js";

describe("readNumber", () => {
  it("reads plain decimals, signs, fractions and exponents", () => {
    expect(["7", "-3", "+2.50", ".5", "5.", "1e3", "2.5E-2"].map(readNumber)).toEqual([
      7, -3, 2.5, 0.5, 5, 1000, 0.025,
    ]);
  });

  it("rejects what Number() would accept but a CSV reader should not", () => {
    for (const cell of ["", " ", "1,5", "0x10", "Infinity", "NaN", "1_000", "three", "1e999"]) {
      expect(readNumber(cell), cell).toBeUndefined();
    }
  });
});

describe("readDate", () => {
  it("accepts real calendar dates in YYYY-MM-DD form", () => {
    expect(readDate("2024-02-29")).toBe("2024-02-29");
    expect(readDate("1999-12-31")).toBe("1999-12-31");
  });

  it("rejects impossible dates and other forms", () => {
    for (const cell of [
      "2023-02-29",
      "2024-02-30",
      "2024-13-01",
      "2024-1-5",
      "05/01/2024",
      "2024-01-05T10:00",
    ]) {
      expect(readDate(cell), cell).toBeUndefined();
    }
  });
});

describe("inferColumns", () => {
  it("makes a column numeric or a date column when most of its non-empty cells are", () => {
    const rows = [
      ["1", "2024-01-01", "a", ""],
      ["2", "2024-01-02", "3", ""],
      ["x", "later", "b", ""],
    ];
    expect(inferColumns(["n", "d", "t", "empty"], rows)).toEqual([
      { name: "n", kind: "number" },
      { name: "d", kind: "date" },
      { name: "t", kind: "text" },
      { name: "empty", kind: "text" },
    ]);
  });

  it("ignores rows with the wrong number of fields and counts half as not most", () => {
    const rows = [["1", "a"], ["b", "2"], ["9"]];
    expect(inferColumns(["x", "y"], rows)).toEqual([
      { name: "x", kind: "text" },
      { name: "y", kind: "text" },
    ]);
  });
});
