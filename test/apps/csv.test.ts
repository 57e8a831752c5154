import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCsv } from "../../src/apps/etl/csv.js";
import { CsvParseError } from "../../src/apps/etl/errors.js";

const fields = (text: string) => parseCsv(text).map((record) => record.fields);

function parseError(text: string): CsvParseError {
  try {
    parseCsv(text);
  } catch (error) {
    if (error instanceof CsvParseError) return error;
    throw error;
  }
  throw new Error("expected a CsvParseError");
}

describe("parseCsv", () => {
  it("splits lines into records and commas into fields, numbering each record's line", () => {
    expect(parseCsv("a,b,c\n1,2,3\n")).toEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["1", "2", "3"] },
    ]);
  });

  it("reads a last line with no line break", () => {
    expect(fields("a,b\n1,2")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("keeps commas inside quoted fields", () => {
    expect(fields('name,city\n"Lovelace, Ada","London, UK"\n')).toEqual([
      ["name", "city"],
      ["Lovelace, Ada", "London, UK"],
    ]);
  });

  it('reads "" inside a quoted field as one double quote', () => {
    expect(fields('"Crystal Ball ""Deluxe""",""""\n')).toEqual([['Crystal Ball "Deluxe"', '"']]);
  });

  it("keeps line breaks inside quoted fields and counts them for the next record's line", () => {
    expect(parseCsv('note,n\n"two\r\nlines",1\n"three\nmore\rlines",2\nlast,3\n')).toEqual([
      { line: 1, fields: ["note", "n"] },
      { line: 2, fields: ["two\r\nlines", "1"] },
      { line: 4, fields: ["three\nmore\rlines", "2"] },
      { line: 7, fields: ["last", "3"] },
    ]);
  });

  it("accepts CRLF, LF and CR line endings, mixed", () => {
    expect(fields("a,b\r\n1,2\n3,4\r5,6\r\n")).toEqual([
      ["a", "b"],
      ["1", "2"],
      ["3", "4"],
      ["5", "6"],
    ]);
  });

  it("ignores a leading byte order mark", () => {
    expect(fields("\uFEFFid,name\n1,x\n")[0]).toEqual(["id", "name"]);
  });

  it("skips empty lines but keeps their line numbers counted", () => {
    expect(parseCsv("a\n\n\r\n1\n\n")).toEqual([
      { line: 1, fields: ["a"] },
      { line: 4, fields: ["1"] },
    ]);
  });

  it('reads a line holding only "" as one empty field, not as an empty line', () => {
    expect(fields('a\n""\n')).toEqual([["a"], [""]]);
  });

  it("reads empty fields between, before and after commas", () => {
    expect(fields(",a,,\n")).toEqual([["", "a", "", ""]]);
  });

  it("keeps spaces around unquoted fields (trimming is the caller's choice)", () => {
    expect(fields(" a , b \n")).toEqual([[" a ", " b "]]);
  });

  it("returns no records for empty text", () => {
    expect(parseCsv("")).toEqual([]);
    expect(parseCsv("\n\r\n")).toEqual([]);
  });

  it("rejects a quoted field that is never closed, pointing at where it opens", () => {
    const error = parseError('a,b\n1,2\n3,"open\nstill open\n');
    expect(error.line).toBe(3);
    expect(error.column).toBe(3);
    expect(error.code).toBe("ERR_CSV_PARSE");
    expect(error.message).toBe(
      "line 3, column 3: a quoted field is never closed (a closing double quote is missing)",
    );
  });

  it("rejects a double quote inside an unquoted field", () => {
    const error = parseError('a,b\n1,ab"c\n');
    expect([error.line, error.column]).toEqual([2, 5]);
    expect(error.message).toContain("a double quote inside an unquoted field");
  });

  it("rejects text after a closing quote", () => {
    const error = parseError('a,b\n"x"y,2\n');
    expect([error.line, error.column]).toEqual([2, 4]);
    expect(error.message).toContain('unexpected "y" after a closing quote');
  });

  it("counts columns after a multi-line quoted field from that field's last line", () => {
    const error = parseError('"a\nbc"x\n');
    expect([error.line, error.column]).toEqual([2, 4]);
  });

  it("reads back any table written by an RFC 4180 writer", () => {
    const cell = fc.string({
      unit: fc.constantFrom("a", "b", " ", ",", '"', "\n", "\r", "é", "🕯"),
    });
    const table = fc.array(fc.array(cell, { minLength: 1, maxLength: 5 }), { maxLength: 8 });
    const lineBreak = fc.constantFrom("\n", "\r\n");
    fc.assert(
      fc.property(table, lineBreak, fc.boolean(), (rows, eol, finalBreak) => {
        const text =
          rows.map((row) => row.map((value) => quote(value, row.length)).join(",")).join(eol) +
          (finalBreak && rows.length > 0 ? eol : "");
        expect(fields(text)).toEqual(rows);
      }),
      { numRuns: 500 },
    );
  });
});

/** Quotes a cell when it must be; a lone empty cell too, or its line would read as empty. */
function quote(value: string, cellsInRow: number): string {
  if (/[",\r\n]/.test(value) || (value === "" && cellsInRow === 1)) {
    return `"${value.replaceAll('"', '""')}"`;
  }
  return value;
}
