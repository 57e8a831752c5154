import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtlInputError } from "../../src/apps/etl/errors.js";
import type { RawDataLoadedEvent } from "../../src/apps/etl/events.js";
import { type EtlOptions, runEtl, SAMPLE_SOURCE } from "../../src/apps/etl/main.js";
import { CleanRows } from "../../src/apps/etl/organs/clean-rows.js";
import { ExtractCsv } from "../../src/apps/etl/organs/extract-csv.js";
import { ReportSummary } from "../../src/apps/etl/organs/report-summary.js";
import { TransformRows } from "../../src/apps/etl/organs/transform-rows.js";
import { Event, InMemoryBackend, Organ, Spine } from "../../src/index.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "necrostack-etl-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `content` to a file in the test's folder and returns its name there. */
function csvFile(name: string, content: string | Buffer): string {
  writeFileSync(join(dir, name), content);
  return name;
}

async function etl(options: Omit<EtlOptions, "write"> = {}) {
  const lines: string[] = [];
  const summary = await runEtl({
    cwd: dir,
    ...options,
    write: (l) => lines.push(l),
    logger: false,
  });
  return { lines, summary };
}

async function etlError(input: string): Promise<EtlInputError> {
  const error = await etl({ input }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EtlInputError);
  return error as EtlInputError;
}

describe("ETL demo", () => {
  it("summarises the bundled sample: counts, dropped rows with reasons, aggregates", async () => {
    const { lines } = await etl();
    expect(lines).toEqual([
      `ETL summary for ${SAMPLE_SOURCE}`,
      "Rows: 30 read, 25 kept, 5 dropped",
      "Dropped rows:",
      '  line 6: quantity is not a number: "three"',
      "  line 10: expected 7 fields, got 6",
      '  line 15: order_date is not a date (YYYY-MM-DD): "2024-02-30"',
      "  line 18: customer is empty",
      '  line 31: unit_price is not a number: "-"',
      "Columns:",
      "  order_id    text    25 distinct, all different",
      "  order_date  date    2024-03-01 to 2024-03-30",
      '  customer    text    16 distinct, most common "Edgar Poe" (3)',
      '  region      text    4 distinct, most common "South" (7)',
      '  product     text    15 distinct, most common "Black Candles" (4)',
      "  quantity    number  sum 189, min 1, max 40, mean 7.56",
      "  unit_price  number  sum 385.28, min 0.4, max 120, mean 15.41",
    ]);
  });

  it("reads quoted fields with commas and escaped quotes as one cell", async () => {
    const { summary } = await etl();
    const product = summary.columns.find((c) => c.name === "product");
    // "Crystal Ball ""Deluxe""" and "Rose Petals, Dried" are one product each, not split.
    expect(product).toMatchObject({ kind: "text", distinct: 15 });
    expect(summary.rowsKept).toBe(25);
  });

  it("infers column kinds from most cells and drops the rows that do not fit", async () => {
    const input = csvFile(
      "kinds.csv",
      "when,amount,label\r\n2024-01-05, 10 ,x\r\n2024-01-02,2.5,y\r\nsoon,1,z\r\n2024-01-09,n/a,x\r\n",
    );
    const { summary } = await etl({ input });
    expect(summary).toEqual({
      source: "kinds.csv",
      rowsRead: 4,
      rowsKept: 2,
      dropped: [
        { line: 4, reason: 'when is not a date (YYYY-MM-DD): "soon"' },
        { line: 5, reason: 'amount is not a number: "n/a"' },
      ],
      columns: [
        { name: "when", kind: "date", min: "2024-01-02", max: "2024-01-05" },
        { name: "amount", kind: "number", sum: 12.5, min: 2.5, max: 10, mean: 6.25 },
        { name: "label", kind: "text", distinct: 2, mostCommon: { value: "x", count: 1 } },
      ],
    });
  });

  it("lists the first 20 dropped rows and counts the rest", async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `r${i},`).join("\n");
    const { lines, summary } = await etl({ input: csvFile("many-bad.csv", `id,v\n${rows}\n`) });
    expect(summary.dropped).toHaveLength(25);
    expect(lines).toContain("Rows: 25 read, 0 kept, 25 dropped");
    expect(lines).toContain("  line 21: v is empty");
    expect(lines).not.toContain("  line 22: v is empty");
    expect(lines).toContain("  ... and 5 more");
    expect(lines).toContain("  v   text    no values");
  });

  it("summarises a header-only file as zero rows", async () => {
    const { lines } = await etl({ input: csvFile("header-only.csv", "a,b\n") });
    expect(lines).toEqual([
      "ETL summary for header-only.csv",
      "Rows: 0 read, 0 kept, 0 dropped",
      "Columns:",
      "  a  text    no values",
      "  b  text    no values",
    ]);
  });

  it("sends a large file in batches and merges them into the same summary", async () => {
    const body = Array.from(
      { length: 2_000 },
      (_, i) => `${i},${i % 7 === 0 ? "bad" : i % 100},"city ${i % 3}, EU"`,
    ).join("\n");
    const input = csvFile("big.csv", `id,score,city\n${body}\n`);
    const whole = await etl({ input });
    const batched = await etl({ input, batchBytes: 2_000 });
    expect(batched.lines).toEqual(whole.lines);
    expect(whole.summary.rowsRead).toBe(2_000);
    expect(whole.summary.dropped).toHaveLength(286);
    let sum = 0;
    for (let i = 0; i < 2_000; i++) if (i % 7 !== 0) sum += i % 100;
    expect(whole.summary.columns[1]).toEqual({
      name: "score",
      kind: "number",
      sum,
      min: 0,
      max: 99,
      mean: sum / 1_714,
    });

    // The same organs on a Spine of our own, to count the batches.
    class CountBatches extends Organ<RawDataLoadedEvent> {
      readonly listensTo = ["RAW_DATA_LOADED"] as const;
      batches: number[] = [];
      handle(event: RawDataLoadedEvent) {
        this.batches.push(event.payload.batch);
        expect(Buffer.byteLength(JSON.stringify(event.payload.rows))).toBeLessThan(4_000);
      }
    }
    const counter = new CountBatches();
    const lines: string[] = [];
    const spine = new Spine({
      organs: [
        new ExtractCsv(),
        counter,
        new CleanRows(),
        new TransformRows(),
        new ReportSummary((l) => lines.push(l)),
      ],
      backend: new InMemoryBackend(),
      logger: false,
    });
    await spine.run(
      new Event("ETL_START", { file: join(dir, input), source: input, batchBytes: 2_000 }),
    );
    expect(counter.batches.length).toBeGreaterThan(20);
    expect(counter.batches).toEqual(counter.batches.map((_, i) => i + 1));
    expect(lines).toEqual(whole.lines);
  });

  it("fails with a one-line EtlInputError for a missing file", async () => {
    const error = await etlError("nope.csv");
    expect(error.message).toBe("nope.csv: no such file");
    expect(error.code).toBe("ERR_ETL_INPUT");
    expect(error.file).toBe("nope.csv");
  });

  it("fails for a directory", async () => {
    expect((await etlError(".")).message).toBe(".: is a directory, not a CSV file");
  });

  it("fails for an empty file", async () => {
    const error = await etlError(csvFile("empty.csv", "\n\n"));
    expect(error.message).toBe("empty.csv: is empty; expected a header row naming the columns");
  });

  it("fails for malformed CSV, naming the line and column", async () => {
    const error = await etlError(csvFile("broken.csv", 'a,b\n1,2\n3,"open\n'));
    expect(error.message).toBe(
      "broken.csv: is not valid CSV: line 3, column 3: a quoted field is never closed (a closing double quote is missing)",
    );
  });

  it("fails for a header with a duplicate or empty column name", async () => {
    expect((await etlError(csvFile("dup.csv", "id,name,id\n1,a,2\n"))).message).toBe(
      'dup.csv: line 1: the header names column "id" twice (columns 1 and 3)',
    );
    expect((await etlError(csvFile("blank.csv", "id,,x\n"))).message).toBe(
      "blank.csv: line 1: the header's column 2 has no name; every column needs one",
    );
  });

  it("fails for a file that is not UTF-8 text", async () => {
    const error = await etlError(
      csvFile("latin1.csv", Buffer.from([0x61, 0x0a, 0xe9, 0xff, 0x0a])),
    );
    expect(error.message).toBe("latin1.csv: is not UTF-8 text; save the file as UTF-8 CSV");
  });

  it("rejects a batchBytes outside 1..524288", async () => {
    await expect(etl({ batchBytes: 0 })).rejects.toThrow(
      "Expected `batchBytes` to be an integer from 1 to 524288, got `0` (number)",
    );
    await expect(etl({ batchBytes: 524_289 })).rejects.toThrow(/Expected `batchBytes`/);
  });

  it("fails for a row too large for one event, naming its line", async () => {
    const huge = "x".repeat(600_000);
    const error = await etlError(
      csvFile(
        "huge.csv",
        `a,b
1,2
3,${huge}
`,
      ),
    );
    expect(error.message).toBe(
      "huge.csv: line 3: the row is 600040 bytes, more than the 524288 bytes one row may take",
    );
  });

  it("carries rows up to the largest size through the whole chain", async () => {
    const big = "y".repeat(500_000);
    const { summary } = await etl({
      input: csvFile(
        "wide.csv",
        `a,b
1,${big}
2,z
`,
      ),
    });
    expect(summary.rowsKept).toBe(2);
    expect(summary.columns[1]).toMatchObject({ kind: "text", distinct: 2 });
  });
});
