import { spawn } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseTraceArgs } from "../../src/cli/trace.js";
import { UsageError } from "../../src/cli/usage-error.js";
import { main } from "../../src/cli.js";
import { Event } from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { ROOT, WorkerProcess } from "../fixtures/worker-process.js";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";
import { captureIO } from "./io.js";

const ORGANS = "test/replay/fixtures/shop-organs.ts";
const CHANGED_ORGANS = "test/replay/fixtures/shop-organs-fee.ts";

describe("necrostack trace flags", () => {
  const parse = (argv: string[]) => () => parseTraceArgs(argv, {});

  it("takes the event id wherever it stands among the flags", () => {
    const config = parseTraceArgs(["--backend", "redis://h:1", "ID-1", "--stream", "s"], {});
    expect(config).toMatchObject({ eventId: "ID-1", source: { kind: "redis", stream: "s" } });
  });

  it("needs exactly one event id, and --organs with --rerun", () => {
    expect(parse(["--backend", "redis://h:1"])).toThrow(/give the id of the event to trace/);
    expect(parse(["a", "b", "--backend", "redis://h:1"])).toThrow(/give one event id, got 2/);
    expect(parse(["a", "--backend", "redis://h:1", "--rerun"])).toThrow(/--rerun needs the organs/);
    expect(parse(["a", "--backend", "redis://h:1", "--step"])).toThrow(
      /--step applies only with --rerun/,
    );
  });

  it("refuses the other backend's flags by name", () => {
    expect(parse(["a", "--backend", "postgres://h/db", "--dlq", "x"])).toThrow(UsageError);
    expect(parse(["a", "--backend", "redis://h:1", "--schema", "x"])).toThrow(
      /--schema applies only to PostgreSQL/,
    );
  });
});

describeRedis("necrostack trace on a real multi-process run", () => {
  let server: RedisServer;
  const stream = "shop";
  const ids: Record<string, string> = {};

  const trace = async (argv: string[]) => {
    const io = captureIO({ env: {} });
    const code = await main(["trace", ...argv, "--backend", server.url, "--stream", stream], io);
    return { code, out: io.stdoutText(), err: io.stderrText() };
  };

  beforeAll(async () => {
    server = await RedisServer.start();
    const producer = new RedisBackend({ redisUrl: server.url, streamKey: stream, logger: false });
    for (const orderId of ["o-1", "bad-1", "o-2"]) {
      const order = new Event("ORDER_PLACED", { orderId, total: 20 });
      ids[orderId] = order.id;
      await producer.enqueue(order);
    }
    await producer.close();
    const workers = ["a", "b"].map((name) =>
      WorkerProcess.start({
        redisUrl: server.url,
        organs: ORGANS,
        args: [
          ...["--stream", stream, "--consumer", name, "--max-retries", "2"],
          ...["--handler-failure-mode", "nack"],
          ...["--claim-min-idle-ms", "200", "--claim-interval-ms", "100"],
        ],
      }),
    );
    const redis = rawClient(server.url);
    try {
      // Every order paid and shipped, two mails sent, the bad order's SHIPPED dead-lettered.
      await waitUntil(
        "the chains handled and one dead letter",
        async () =>
          (await redis.xlen(stream)) === 3 * 3 + 2 && (await redis.xlen(`${stream}:dlq`)) === 1,
        30_000,
      );
    } finally {
      redis.disconnect();
      for (const worker of workers) worker.signal("SIGTERM");
      await Promise.all(workers.map((worker) => worker.exited));
    }
  }, 60_000);

  afterAll(async () => {
    await server?.dispose();
  });

  afterEach(async () => {
    await WorkerProcess.killAll();
  });

  it("prints the tree from its root, each event's organ, hop and the dead letter's reason", async () => {
    const { code, out } = await trace([ids["bad-1"] as string, "--organs", ORGANS]);
    expect(code).toBe(0);
    const lines = out.split("\n");
    expect(lines[1]).toMatch(/3 events, 1 dead letter/);
    const order = lines.findIndex((line) => line.startsWith(`ORDER_PLACED ${ids["bad-1"]}`));
    expect(lines[order]).toMatch(/hop 0 .*root .*◀ focus/);
    expect(lines[order + 1]).toMatch(/^└─ PAYMENT_TAKEN .* hop 1 +by Payments +\[stream /);
    expect(lines[order + 2]).toMatch(
      /^ {3}└─ SHIPPED .* hop 2 +by Shipping +\[dead letters .*✗ DEAD LETTER at .*: .*mail server refused order bad-1/,
    );
  });

  it("names the cause's type instead of the organ when no organs are given", async () => {
    const { out } = await trace([ids["o-1"] as string]);
    expect(out).toMatch(/PAYMENT_TAKEN .* from ORDER_PLACED/);
    expect(out).toMatch(/EMAIL_SENT .* hop 3 .* from SHIPPED/);
    expect(out).not.toMatch(/DEAD LETTER/);
  });

  it("traces from an event in the middle of the chain to the same root", async () => {
    const { out: json } = await trace([ids["o-2"] as string, "--json"]);
    const tree = JSON.parse(json) as { nodes: { event: { id: string; eventType: string } }[] };
    const shipped = tree.nodes.find((node) => node.event.eventType === "SHIPPED");
    const { code, out } = await trace([shipped?.event.id as string, "--json"]);
    expect(code).toBe(0);
    const fromShipped = JSON.parse(out) as { root: string; focus: string; nodes: unknown[] };
    expect(fromShipped.root).toBe(ids["o-2"]);
    expect(fromShipped.focus).toBe(shipped?.event.id);
    expect(fromShipped.nodes).toHaveLength(4);
  });

  it("gives the tree as JSON with --json, the dead letter's reason included", async () => {
    const { out } = await trace([ids["bad-1"] as string, "--json", "--organs", ORGANS]);
    const tree = JSON.parse(out) as {
      root: string;
      nodes: { event: { eventType: string }; location: string; deadLetter?: { reason: string } }[];
      organs: Record<string, string[]>;
    };
    expect(tree.root).toBe(ids["bad-1"]);
    const shipped = tree.nodes.find((node) => node.event.eventType === "SHIPPED");
    expect(shipped?.location).toBe("dead-letters");
    expect(shipped?.deadLetter?.reason).toMatch(/mail server refused order bad-1/);
    expect(Object.values(tree.organs).sort()).toEqual([["Payments"], ["Shipping"]]);
  });

  it("exits 1 naming the stream when the event is not there", async () => {
    const { code, err } = await trace(["00000000-0000-4000-8000-000000000000"]);
    expect(code).toBe(1);
    expect(err).toMatch(/not found in the newest 100,000 entries of shop or of its dead letters/);
  });

  it("re-runs the tree with the same organs and finds no departure, the dead letter failing again", async () => {
    const { code, out } = await trace([ids["bad-1"] as string, "--rerun", "--organs", ORGANS]);
    expect(out).toMatch(/step 1 {2}hop 0 {2}ORDER_PLACED/);
    expect(out).toMatch(/step 3 {2}hop 2 {2}SHIPPED .*\n {2}failed: Mailer: mail server refused/);
    expect(out).toMatch(/The re-run matches the recorded run \(3 steps\)/);
    expect(code).toBe(0);
  });

  it("re-runs through a changed organ and shows where the new run departs, exiting 1", async () => {
    const { code, out } = await trace([
      ids["o-1"] as string,
      "--rerun",
      "--organs",
      CHANGED_ORGANS,
    ]);
    expect(code).toBe(1);
    expect(out).toMatch(
      /step 1 .*ORDER_PLACED[\s\S]*≠ PAYMENT_TAKEN changed: payload.amount: 20 -> 22/,
    );
    expect(out).toMatch(/departs from the recorded run at 1 of 4 steps: the first at step 1/);
  });

  it("re-runs as JSON with each step's emissions and departures", async () => {
    const { out } = await trace([
      ids["o-1"] as string,
      "--rerun",
      "--json",
      "--organs",
      CHANGED_ORGANS,
    ]);
    const result = JSON.parse(out) as {
      rerun: {
        departed: number;
        steps: { emitted: { eventType: string }[]; departures: string[] }[];
      };
    };
    expect(result.rerun.departed).toBe(1);
    expect(result.rerun.steps.map((step) => step.emitted.map((e) => e.eventType))).toEqual([
      ["PAYMENT_TAKEN"],
      ["SHIPPED"],
      ["EMAIL_SENT"],
      [],
    ]);
  });

  it("pauses between steps with --step until Enter is pressed", { timeout: 60_000 }, async () => {
    const child = spawn(
      process.execPath,
      [
        ...["--import", "tsx", "src/cli.ts", "trace", ids["o-1"] as string, "--rerun", "--step"],
        ...["--organs", ORGANS, "--backend", server.url, "--stream", stream],
      ],
      { cwd: ROOT, env: { ...process.env, NECROSTACK_LOG_LEVEL: "warn" } },
    );
    let out = "";
    let prompts = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      prompts += chunk.toString().split("(Enter for the next step)").length - 1;
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      for (let step = 1; step <= 4; step++) {
        await waitUntil(`step ${step} and its prompt`, () => prompts === step, 30_000);
        expect(out).toContain(`step ${step} `);
        expect(out).not.toContain(`step ${step + 1} `);
        child.stdin.write("\n");
      }
      expect(await exited).toBe(0);
      expect(out).toMatch(/The re-run matches the recorded run \(4 steps\)/);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
