import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TradingSummary } from "../../examples/trading-orderbook/trading-system.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = "examples/trading-orderbook/main.ts";
const SAMPLES = "examples/trading-orderbook";

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the example as `npm run example:trading -- <args>` does, feeding `stdin` if given. */
function runExample(args: readonly string[], stdin?: string, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, NECROSTACK_LOG_LEVEL: "error" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`example did not exit within ${timeoutMs} ms; stdout so far:\n${stdout}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(stdin ?? "");
  });
}

async function runJson(
  args: readonly string[],
): Promise<{ summary: TradingSummary; ordersPerSecond?: number; eventsPerSecond?: number }> {
  const run = await runExample([...args, "--json"]);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split("\n").at(-1) as string);
}

/** The demo's accounts, which the script and its seed fix. */
const DEMO_ORDERS = {
  submitted: 29,
  rejected: 3,
  filled: 4,
  partiallyFilled: 3,
  queued: 18,
  unfilledMarket: 1,
  unaccounted: 0,
  repeated: 0,
};
const DEMO_LOTS = {
  accepted: 13_775,
  traded: 6_600,
  resting: 355,
  cancelled: 220,
  balanced: true,
};

const tmp = mkdtempSync(join(tmpdir(), "necrostack-trading-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("trading example: demo", () => {
  it("prints a summary that accounts for every order, lot and trade", async () => {
    const run = await runExample([]);
    expect(run.code, run.stderr).toBe(0);
    const summary = run.stdout.slice(run.stdout.indexOf("Summary"));
    for (const line of [
      "orders submitted     29",
      "rejected           3",
      "filled             4",
      "partially filled   3",
      "queued             18",
      "unfilled market    1",
      "unaccounted        0",
      "cancels              1 done, 1 rejected",
      "lots accepted        13775 = 2 x 6600 traded + 355 resting + 220 cancelled (balanced)",
      "trades executed      19",
      "settled            16",
      "settlement failed  1",
      "dead-lettered      2",
      "unresolved         0",
      "risk alerts          3",
    ]) {
      expect(summary).toContain(line);
    }
  });

  it("shows a retry, a decline, a timeout and used-up retries, with the dead letters named", async () => {
    const run = await runExample([]);
    expect(run.stdout).toContain("after 2 attempt(s)");
    expect(run.stdout).toMatch(
      /SETTLEMENT_FAILED\s+GOOGL-1: account restricted_fund is restricted/,
    );
    expect(run.stdout).toContain("Dead-letter store (2):");
    expect(run.stdout).toMatch(/TRADE_EXECUTED NVDA-6: .*unavailable on all 3 attempts/);
    expect(run.stdout).toMatch(/TRADE_EXECUTED NVDA-12: .*timed out after 500 ms/);
    expect(run.stdout).toMatch(
      /RISK_ALERT\s+POSITION_LIMIT whale_one TSLA position 6000 \(limit 5000\)/,
    );
    expect(run.stdout).toMatch(/RISK_ALERT\s+POSITION_LIMIT whale_two TSLA position -6000/);
  });

  it("gives the same order and lot accounts without latency, where nothing hangs", async () => {
    const { summary } = await runJson(["--no-latency"]);
    expect(summary.orders).toEqual(DEMO_ORDERS);
    expect(summary.lots).toEqual(DEMO_LOTS);
    expect(summary.trades).toEqual({
      executed: 19,
      settled: 17,
      settlementFailed: 1,
      deadLettered: 1,
      unresolved: 0,
    });
    expect(summary.clearingHouse.timeouts).toBe(0);
  });

  it("prints the books it ends with", async () => {
    const run = await runExample(["--quiet"]);
    expect(run.stdout).toMatch(
      /AAPL order book\n {2}ASK +151\.00 +200 lots {2}\(1 order\)\n {2}ASK +149\.25 +125 lots/,
    );
    expect(run.stdout).toMatch(
      /NVDA order book\n {2}ASK {2}\(none\)\n {2}---\n {2}BID +481\.00 +30 lots/,
    );
    expect(run.stdout).not.toContain("ORDER_SUBMITTED");
  });
});

describe("trading example: --file", () => {
  const SAMPLE_ACCOUNTS = {
    orders: {
      submitted: 12,
      rejected: 1,
      filled: 4,
      partiallyFilled: 1,
      queued: 6,
      unfilledMarket: 0,
      unaccounted: 0,
      repeated: 0,
    },
    lots: { accepted: 2_085, traded: 705, resting: 675, cancelled: 0, balanced: true },
  };

  it("runs the JSON sample", async () => {
    const { summary } = await runJson(["--file", `${SAMPLES}/sample-orders.json`]);
    expect(summary).toMatchObject(SAMPLE_ACCOUNTS);
    expect(summary.trades.executed).toBe(5);
  });

  it("runs the CSV sample to the same accounts as the JSON one", async () => {
    const { summary } = await runJson(["--file", `${SAMPLES}/sample-orders.csv`]);
    expect(summary).toMatchObject(SAMPLE_ACCOUNTS);
    expect(summary.trades.executed).toBe(5);
  });

  it("reports malformed CSV rows by line and runs the rest", async () => {
    const file = join(tmp, "orders.csv");
    writeFileSync(
      file,
      [
        "trader_id,symbol,side,order_type,quantity,price",
        "alice,AAPL,BUY,LIMIT,100,150.00",
        "bob,AAPL,SELL,LIMIT,lots,150.00",
        "carol,AAPL,SELL,LIMIT,10,150.005",
        "dave,AAPL,SELL",
        "erin,AAPL,SELL,LIMIT,-5,150.00",
        "frank,AAPL,SELL,MARKET,40,",
      ].join("\n"),
    );
    const run = await runExample(["--file", file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Skipped 3 malformed row(s)");
    expect(run.stdout).toContain('row 3: quantity must be a whole number of lots, got "lots"');
    expect(run.stdout).toContain(
      'row 4: price must be a dollar amount with at most 2 decimals, such as 150.50, got "150.005"',
    );
    expect(run.stdout).toContain("row 5: expected 6 columns, got 3");
    // The negative quantity parses, so it is submitted and the validator rejects it.
    expect(run.stdout).toMatch(
      /ORDER_REJECTED\s+O-6: quantity: must be a whole number of lots from 1 to 1000000, got -5/,
    );
    const { summary } = await runJson(["--file", file]);
    expect(summary.orders).toMatchObject({
      submitted: 3,
      rejected: 1,
      filled: 1,
      queued: 1,
      unaccounted: 0,
    });
    expect(summary.lots).toEqual({
      accepted: 140,
      traded: 40,
      resting: 60,
      cancelled: 0,
      balanced: true,
    });
  });

  it("reports JSON items that are not orders and runs the rest", async () => {
    const file = join(tmp, "orders.json");
    writeFileSync(
      file,
      JSON.stringify([
        { traderId: "a", symbol: "MSFT", side: "BUY", type: "LIMIT", quantity: 5, price: 380.1 },
        "not an order",
        { traderId: "b", symbol: "MSFT", side: "SELL", type: "LIMIT", quantity: 2.5, price: 380 },
        { traderId: "c", symbol: "MSFT", side: "SELL", type: "MARKET", quantity: 5 },
      ]),
    );
    const run = await runExample(["--file", file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('row 2: expected an order object, got "not an order"');
    expect(run.stdout).toContain('row 3: quantity must be a whole number of lots, got "2.5"');
    expect(run.stdout).toMatch(/TRADE_EXECUTED\s+MSFT-1 5 MSFT @ 380\.10 a <- c/);
  });

  it("fails with a one-line error naming the file it cannot use", async () => {
    const missing = await runExample(["--file", join(tmp, "nope.json")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Cannot load orders from .*nope\.json: ENOENT/);
    const txt = join(tmp, "orders.txt");
    writeFileSync(txt, "x");
    const wrong = await runExample(["--file", txt]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('unsupported extension ".txt": use .json or .csv');
  });
});

describe("trading example: --interactive", () => {
  it("runs each line through the pipeline before the next, reading commands from a pipe", async () => {
    const input = [
      "BUY 100 AAPL @ 150.50",
      "sell 40 aapl mkt",
      "book AAPL",
      "cancel O-1",
      "cancel O-1",
      "BUY 10 AAPL @ 150.505",
      "HOLD 1 AAPL",
      "SELL 5 NOPE MKT",
      "stats",
      "quit",
      "BUY 1 AAPL @ 1.00",
    ].join("\n");
    const run = await runExample(["--interactive", "--trader", "zoe", "--no-latency"], input);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/ORDER_QUEUED\s+O-1 filled 0\/100, resting 100/);
    expect(out).toMatch(/TRADE_EXECUTED\s+AAPL-1 40 AAPL @ 150\.50 zoe <- zoe/);
    expect(out).toMatch(
      /AAPL order book\n {2}ASK {2}\(none\)\n {2}---\n {2}BID +150\.50 +60 lots {2}\(1 order\)/,
    );
    expect(out).toMatch(/ORDER_CANCELLED\s+O-1 filled 40\/100, resting 0, cancelled 60/);
    expect(out).toMatch(/CANCEL_REJECTED\s+O-1 \(zoe\): order O-1 is not resting in any book/);
    expect(out).toContain(
      'error: price must be a dollar amount with at most 2 decimals, such as 150.50, got "150.505"',
    );
    expect(out).toContain('error: unknown command "HOLD"');
    expect(out).toMatch(/ORDER_REJECTED\s+O-3: symbol: must be a listed symbol/);
    // "stats" and the final summary agree, and nothing after "quit" ran.
    expect(out.match(/orders submitted {5}3/g)).toHaveLength(2);
    expect(out).not.toContain("O-4");
  });

  it("ends with the summary when input ends without quit", async () => {
    const run = await runExample(["-i", "--json"], "BUY 5 MSFT @ 380.00\nSELL 5 MSFT @ 380.00\n");
    expect(run.code, run.stderr).toBe(0);
    const { summary } = JSON.parse(run.stdout.trim()) as { summary: TradingSummary };
    expect(summary.orders).toMatchObject({ submitted: 2, queued: 1, filled: 1, unaccounted: 0 });
    expect(summary.trades.executed).toBe(1);
    expect(summary.trades.unresolved).toBe(0);
  });
});

describe("trading example: --stress", () => {
  it("accounts for every random order and reports its rates", async () => {
    const result = await runJson(["--stress", "--orders", "3000", "--no-latency"]);
    expect(result.summary.orders.submitted).toBe(3000);
    expect(result.summary.orders.unaccounted).toBe(0);
    expect(result.summary.orders.repeated).toBe(0);
    expect(result.summary.lots.balanced).toBe(true);
    expect(result.summary.trades.unresolved).toBe(0);
    expect(result.summary.trades.executed).toBeGreaterThan(1000);
    expect(result.ordersPerSecond).toBeGreaterThan(0);
    expect(result.eventsPerSecond).toBeGreaterThan(result.ordersPerSecond as number);
  });

  it("prints orders/s and events/s in text mode", async () => {
    const run = await runExample(["--stress", "--orders", "500"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/[\d,]+ orders\/s, [\d,]+ events\/s over \d+\.\d{3} s/);
  });
});

describe("trading example: flags", () => {
  it("rejects a bad flag value with a message naming the flag, and exits 2", async () => {
    const run = await runExample(["--stress", "--orders", "many"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Expected --orders to be a positive whole number, got "many"');
  });

  it("rejects two modes at once", async () => {
    const run = await runExample(["--stress", "--interactive"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Choose one mode");
  });
});

describeRedis("trading example: --backend redis", () => {
  let server: RedisServer;

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server?.dispose();
  });

  async function runRedis(
    args: readonly string[],
  ): Promise<{ summary: TradingSummary; workers: TradingSummary[] }> {
    const run = await runExample(
      [...args, "--backend", "redis", "--redis", server.url, "--workers", "2", "--json"],
      undefined,
      120_000,
    );
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout.trim().split("\n").at(-1) as string);
  }

  it("gives the demo the in-memory run's accounts with 2 workers, each order and trade once", async () => {
    const { summary, workers } = await runRedis([]);
    expect(summary.orders).toEqual(DEMO_ORDERS);
    expect(summary.lots).toEqual(DEMO_LOTS);
    expect(summary.cancels).toEqual({ cancelled: 1, rejected: 1 });
    // The two dead letters went through Redis: redelivered, then moved to the dead-letter stream.
    expect(summary.trades).toEqual({
      executed: 19,
      settled: 16,
      settlementFailed: 1,
      deadLettered: 2,
      unresolved: 0,
    });
    expect(summary.riskAlerts).toBe(3);
    expect(workers).toHaveLength(2);
    // Both partitions did work: the symbols are split between the workers.
    for (const worker of workers) expect(worker.orders.submitted).toBeGreaterThan(0);
  });

  it("spreads a stress run over both workers and accounts for every order exactly once", async () => {
    const { summary, workers } = await runRedis(["--stress", "--orders", "1500", "--no-latency"]);
    expect(summary.orders.submitted).toBe(1500);
    expect(summary.orders.unaccounted).toBe(0);
    expect(summary.orders.repeated).toBe(0);
    expect(summary.lots.balanced).toBe(true);
    expect(summary.trades.unresolved).toBe(0);
    expect(summary.trades.executed).toBe(
      summary.trades.settled + summary.trades.settlementFailed + summary.trades.deadLettered,
    );
    expect(workers.map((w) => w.orders.submitted).reduce((a, b) => a + b)).toBe(1500);
    for (const worker of workers) expect(worker.orders.submitted).toBeGreaterThan(300);
  });

  it("matches the in-memory run's accounts for the same stress orders", async () => {
    const memory = await runExample(["--stress", "--orders", "1500", "--no-latency", "--json"]);
    const inMemory = JSON.parse(memory.stdout.trim()) as { summary: TradingSummary };
    const { summary } = await runRedis(["--stress", "--orders", "1500", "--no-latency"]);
    expect(summary.orders).toEqual(inMemory.summary.orders);
    expect(summary.lots).toEqual(inMemory.summary.lots);
    expect(summary.trades).toEqual(inMemory.summary.trades);
  });

  it("fails with a one-line error when Redis cannot be reached", async () => {
    const gone = await RedisServer.start();
    const url = gone.url;
    await gone.dispose();
    const run = await runExample(["--backend", "redis", "--redis", url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Redis is not reachable at ${url}`);
  });

  it("leaves no keys behind in Redis", async () => {
    await runRedis(["--file", "examples/trading-orderbook/sample-orders.json"]);
    const redis = new Redis(server.url);
    try {
      expect(await redis.keys("trading:*")).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
