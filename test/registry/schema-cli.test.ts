import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SCHEMA_USAGE } from "../../src/cli/schema.js";
import { main } from "../../src/cli.js";
import { recordingIO } from "../cli/io.js";
import { WorkerProcess } from "../fixtures/worker-process.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";

const FIXTURES = "test/registry/fixtures";
const V1 = `${FIXTURES}/orders-v1.ts`;
const V2_COMPATIBLE = `${FIXTURES}/orders-v2-compatible.ts`;
const V2_BREAKING = `${FIXTURES}/orders-v2-breaking.ts`;
const V1_CHANGED = `${FIXTURES}/orders-v1-changed.ts`;
const VALIBOT = `${FIXTURES}/valibot-catalog.ts`;

async function run(...argv: string[]) {
  const io = recordingIO();
  const code = await main(["schema", ...argv], io);
  return { code, out: io.out, err: io.err };
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "necrostack-schemas-"));
  tempDirs.push(dir);
  return dir;
}

describe("necrostack schema flags", () => {
  it.each([
    [
      ["publish", "--redis", "redis://h"],
      /give the module that exports the catalog with --catalog/,
    ],
    [["check", "--catalog", V1], /give the Redis server with --redis/],
    [["show", "--redis", "redis://h"], /necrostack schema show: give TYPE/],
    [
      ["mode", "A", "LOOSE", "--redis", "redis://h"],
      /MODE to be one of BACKWARD, FORWARD, FULL, NONE, got "LOOSE"/,
    ],
    [["export", "--redis", "redis://h"], /give the directory with --out/],
    [
      ["export", "--out", "x", "--catalog", V1, "--redis", "redis://h"],
      /either --catalog .* or --redis .*not both/,
    ],
    [["list", "--redis", "redis://h", "--catalog", V1], /--catalog does not apply to list/],
    [
      ["show", "A", "--version", "0", "--redis", "redis://h"],
      /`--version` to be an integer from 1/,
    ],
    [
      ["pubish"],
      /unknown subcommand "pubish"; expected one of publish, check, list, show, mode, export. Did you mean "publish"\?/,
    ],
  ])("rejects %j, exiting 2 with a message naming the problem", async (argv, message) => {
    const { code, err, out } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(err).toMatch(/Run "necrostack schema( [a-z]+)? --help" for usage\.\n$/);
    expect(out).toBe("");
  });

  it("prints its usage for --help and with no subcommand, exiting 0", async () => {
    expect(await run("--help")).toEqual({ code: 0, out: SCHEMA_USAGE, err: "" });
    expect((await run()).out).toBe(SCHEMA_USAGE);
    expect((await run("publish", "--help")).out).toBe(SCHEMA_USAGE);
  });

  it("is listed in necrostack --help", async () => {
    const io = recordingIO();
    await main(["--help"], io);
    expect(io.out).toMatch(/schema\s+publish, check, list, show and export event schemas/);
  });
});

describe("necrostack schema export --catalog (no Redis)", () => {
  it("writes one JSON Schema file per type at its catalog version", async () => {
    const dir = tempDir();
    const { code, out } = await run("export", "--catalog", V2_COMPATIBLE, "--out", dir);
    expect(code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(["ORDER_PAID.v1.json", "ORDER_PLACED.v2.json"]);
    expect(out.trim().split("\n")).toHaveLength(2);
    const placed = JSON.parse(readFileSync(join(dir, "ORDER_PLACED.v2.json"), "utf8"));
    expect(placed).toMatchObject({
      title: "ORDER_PLACED v2 payload",
      type: "object",
      properties: { note: { type: "string" } },
      required: ["orderId", "total", "status"],
    });
  });

  it("uses the toJsonSchema the catalog module exports for validators without JSON Schema", async () => {
    const dir = tempDir();
    expect((await run("export", "--catalog", VALIBOT, "--out", dir)).code).toBe(0);
    const shipment = JSON.parse(readFileSync(join(dir, "SHIPMENT_SENT.v1.json"), "utf8"));
    expect(shipment).toMatchObject({ properties: { weightKg: { type: "number" } } });
  });

  it("fails with exit 1 naming the module when it exports no catalog", async () => {
    const { code, err } = await run(
      "export",
      "--catalog",
      `${FIXTURES}/order-organs.ts`,
      "--out",
      tempDir(),
    );
    expect(code).toBe(1);
    expect(err).toMatch(
      /Catalog module .*order-organs\.ts: exports no catalog \(exports: PlacedOrgan\)/,
    );
  });
});

describeRedis("necrostack schema on a Redis stream", () => {
  const redis = usePrivateRedis();
  const stream = () => `schemas-cli:${randomUUID()}`;
  const on = (key: string) => ["--redis", redis.server.url, "--stream", key];

  it("publishes a catalog, lists it, and publishing it again changes nothing", async () => {
    const key = stream();
    const first = await run("publish", "--catalog", V1, ...on(key));
    expect(first).toMatchObject({ code: 0, err: "" });
    expect(first.out).toBe(
      "ORDER_PAID v1: registered (new type)\nORDER_PLACED v1: registered (new type)\n",
    );
    const again = await run("publish", "--catalog", V1, ...on(key));
    expect(again.out).toBe(
      "ORDER_PAID v1: registered, unchanged\nORDER_PLACED v1: registered, unchanged\n",
    );
    const listed = await run("list", ...on(key));
    expect(listed.code).toBe(0);
    expect(listed.out.split("\n")[0]).toMatch(/^TYPE\s+VERSIONS\s+MODE\s+LATEST$/);
    expect(listed.out).toMatch(
      /ORDER_PLACED\s+1\s+BACKWARD \(default\)\s+v1 JSON Schema from zod, [0-9a-f]{12}/,
    );
  });

  it("refuses a breaking version with every field that breaks it, exit 1, registering nothing", async () => {
    const key = stream();
    await run("publish", "--catalog", V1, ...on(key));
    const { code, out, err } = await run("publish", "--catalog", V2_BREAKING, ...on(key));
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toContain(
      `necrostack schema publish: refused by the registry ${key}:schemas at ${redis.server.url}; nothing was registered:`,
    );
    expect(err).toContain("ORDER_PLACED v2: incompatible (mode BACKWARD, against v1)");
    expect(err).toContain("payload.currency: required field currency was added without a default");
    expect(err).toContain(
      "payload.total: type changed: the writer may send number, the reader accepts string",
    );
    expect(err).toContain('payload.status: enum narrowed: the reader no longer accepts "void"');
    expect(err).toContain(
      "    The catalog's upcaster from v1 bridges the backward issues for NecroStack workers; if no other reader consumes these events, set the type's mode to NONE to register it.",
    );
    expect((await run("show", "ORDER_PLACED", ...on(key))).out).toContain('"version": 1');
  });

  it("refuses a changed schema published under the same version", async () => {
    const key = stream();
    await run("publish", "--catalog", V1, ...on(key));
    const { code, err } = await run("publish", "--catalog", V1_CHANGED, ...on(key));
    expect(code).toBe(1);
    expect(err).toMatch(
      /ORDER_PLACED v1: version-mismatch \(mode BACKWARD, against v1\)\n\s+ORDER_PLACED v1 is registered with another schema .*publish the change as v2/,
    );
  });

  it("publishes a compatible version, and shows each version as JSON", async () => {
    const key = stream();
    await run("publish", "--catalog", V1, ...on(key));
    const published = await run("publish", "--catalog", V2_COMPATIBLE, ...on(key));
    expect(published.out).toContain("ORDER_PLACED v2: registered, BACKWARD compatible with v1");
    const latest = JSON.parse((await run("show", "ORDER_PLACED", ...on(key))).out);
    expect(latest).toMatchObject({
      eventType: "ORDER_PLACED",
      version: 2,
      mode: "BACKWARD",
      kind: "json-schema",
      vendor: "zod",
      jsonSchema: { properties: { note: { type: "string" } } },
    });
    const first = JSON.parse((await run("show", "ORDER_PLACED", "--version", "1", ...on(key))).out);
    expect(first.version).toBe(1);
    const missing = await run("show", "ORDER_PLACED", "--version", "7", ...on(key));
    expect(missing).toMatchObject({
      code: 1,
      err: "necrostack schema show: ORDER_PLACED has no version 7 (registered: 1, 2)\n",
    });
  });

  it("checks without writing, exiting 1 on a conflict and 0 for a worker of an earlier version", async () => {
    const key = stream();
    await run("publish", "--catalog", V1, ...on(key));
    const breaking = await run("check", "--catalog", V2_BREAKING, ...on(key));
    expect(breaking.code).toBe(1);
    expect(breaking.err).toContain(
      "necrostack schema check: the catalog conflicts with the registry",
    );
    expect(breaking.out).toBe("ORDER_PAID v1: registered, unchanged\n");
    expect(JSON.parse((await run("show", "ORDER_PLACED", ...on(key))).out).version).toBe(1);

    const compatible = await run("check", "--catalog", V2_COMPATIBLE, ...on(key));
    expect(compatible.code).toBe(0);
    expect(compatible.out).toContain(
      "ORDER_PLACED v2: not registered yet, BACKWARD compatible with v1",
    );
    await run("publish", "--catalog", V2_COMPATIBLE, ...on(key));
    const behind = await run("check", "--catalog", V1, ...on(key));
    expect(behind.code).toBe(0);
    expect(behind.out).toContain("ORDER_PLACED v1: registered; the latest is v2");
  });

  it("sets a type's mode, after which a breaking version is registered under NONE", async () => {
    const key = stream();
    await run("publish", "--catalog", V1, ...on(key));
    expect((await run("mode", "ORDER_PLACED", "NONE", ...on(key))).out).toBe(
      "ORDER_PLACED: mode NONE (was BACKWARD (default))\n",
    );
    const published = await run("publish", "--catalog", V2_BREAKING, ...on(key));
    expect(published.code).toBe(0);
    expect(published.out).toContain(
      "ORDER_PLACED v2: registered, mode NONE (not checked against v1)",
    );
  });

  it("exports every registered version from the registry", async () => {
    const key = stream();
    await run("publish", "--catalog", V1, ...on(key));
    await run("publish", "--catalog", V2_COMPATIBLE, ...on(key));
    const dir = tempDir();
    expect((await run("export", "--out", dir, ...on(key))).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([
      "ORDER_PAID.v1.json",
      "ORDER_PLACED.v1.json",
      "ORDER_PLACED.v2.json",
    ]);
  });

  it("says so when nothing is registered", async () => {
    const key = stream();
    expect((await run("list", ...on(key))).out).toBe(
      `No schemas registered in ${key}:schemas at ${redis.server.url}\n`,
    );
  });

  it("exits 1 with the password masked when Redis cannot be reached", async () => {
    const { code, err } = await run("list", "--redis", "redis://:hunter2@127.0.0.1:1");
    expect(code).toBe(1);
    expect(err).toMatch(/^necrostack: error: Redis schema registry list \(HKEYS\) failed/);
    expect(err).not.toContain("hunter2");
  });

  it("runs as a real process: publish refused, exit 1, the fields on stderr", async () => {
    const key = stream();
    await run("publish", "--catalog", V1, ...on(key));
    const cli = WorkerProcess.spawn(["schema", "publish", "--catalog", V2_BREAKING, ...on(key)]);
    const exit = await cli.exited;
    expect(exit.code).toBe(1);
    expect(cli.stderr).toContain("payload.total: type changed");
  }, 30_000);
});
