import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Backend,
  BackendClosedError,
  Event,
  ForwardTargetError,
  InMemoryBackend,
  InvalidOptionError,
  NoRouteError,
  Organ,
  RoutingBackend,
  Spine,
} from "../../src/index.js";
import { RedisBackend } from "../../src/redis.js";
import { rawClient } from "../helpers/private-redis.js";
import { describeRedis, RedisServer } from "../helpers/redis-server.js";
import { waitUntil } from "../helpers/wait.js";

describe("RoutingBackend options", () => {
  it("refuses no routes, a route without types and a route whose backend is not a Backend", () => {
    expect(() => new RoutingBackend({ routes: [] })).toThrow(InvalidOptionError);
    const memory = new InMemoryBackend();
    expect(() => new RoutingBackend({ routes: [{ types: [], backend: memory }] })).toThrow(
      /routes\[0\]\.types/,
    );
    expect(
      () =>
        new RoutingBackend({
          routes: [{ types: ["*"], backend: { enqueue() {} } as unknown as Backend }],
        }),
    ).toThrow(/`routes\[0\]\.backend` to be a Backend/);
  });

  it("refuses a durable backend without an idempotent enqueue beside another backend", () => {
    const durable: Backend = {
      capabilities: {
        durable: true,
        atomicCommit: false,
        synchronous: false,
        delayedRelease: false,
        deadLetter: false,
        redelivery: false,
      },
      enqueue: async () => {},
      pull: async () => null,
      ack: async () => {},
    };
    const routes = [
      { types: ["AUDIT_*"], backend: durable },
      { types: ["*"], backend: new InMemoryBackend() },
    ];
    expect(() => new RoutingBackend({ routes })).toThrow(ForwardTargetError);
    expect(() => new RoutingBackend({ routes })).toThrow(
      /`routes\[0\]\.backend` is a plain object/,
    );
    // Alone it receives no forwards, so it needs none.
    expect(
      () => new RoutingBackend({ routes: [{ types: ["*"], backend: durable }] }),
    ).not.toThrow();
  });

  it("states each route's capabilities and declares what every backend declares", () => {
    const memory = new InMemoryBackend();
    const redis = new RedisBackend({ redisUrl: "redis://127.0.0.1:1", logger: false });
    const routing = new RoutingBackend({
      routes: [
        { types: ["AUDIT_*"], backend: redis },
        { types: ["*"], backend: memory },
      ],
    });
    expect(routing.routes).toEqual([
      { types: ["AUDIT_*"], backend: 0, capabilities: redis.capabilities },
      { types: ["*"], backend: 1, capabilities: memory.capabilities },
    ]);
    expect(routing.capabilities).toEqual({
      durable: false,
      atomicCommit: false,
      synchronous: false,
      delayedRelease: false,
      deadLetter: false,
      redelivery: false,
      idempotentEnqueue: false,
    });
  });

  it("rejects an event no route takes with NoRouteError naming its type", async () => {
    const routing = new RoutingBackend({
      routes: [{ types: ["ORDER_*"], backend: new InMemoryBackend() }],
    });
    await expect(routing.enqueue(new Event("PAYMENT", {}))).rejects.toThrow(NoRouteError);
    await expect(routing.enqueue(new Event("PAYMENT", {}))).rejects.toThrow(/"PAYMENT"/);
    await routing.close();
  });
});

type Job = Event<"JOB", { n: number }>;

class JobOrgan extends Organ<Job> {
  readonly listensTo = ["JOB"] as const;
  handle(event: Job): Event[] {
    const { n } = event.payload;
    return [new Event("AUDIT_JOB", { n }), new Event("NOTE", { n })];
  }
}

class CountOrgan extends Organ {
  readonly listensTo = ["AUDIT_JOB", "NOTE"] as const;
  readonly seen = new Map<string, number>();
  handle(event: Event): void {
    const id = `${event.eventType}:${String(event.payload.n)}`;
    this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
  }
}

describeRedis("RoutingBackend over two Redis servers", () => {
  let a: RedisServer;
  let b: RedisServer;
  beforeAll(async () => {
    [a, b] = await Promise.all([RedisServer.start(), RedisServer.start()]);
  });
  afterAll(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
  });

  const open = (streamKey: string) => {
    const onA = new RedisBackend({ redisUrl: a.url, streamKey, logger: false });
    const onB = new RedisBackend({ redisUrl: b.url, streamKey, logger: false });
    const routing = new RoutingBackend({
      routes: [
        { types: ["AUDIT_*"], backend: onB },
        { types: ["*"], backend: onA },
      ],
      logger: false,
    });
    return { routing, onA, onB };
  };

  it("enqueues each event on the backend of the first route matching its type", async () => {
    const stream = `routing:${randomUUID()}`;
    const { routing } = open(stream);
    const redisA = rawClient(a.url);
    const redisB = rawClient(b.url);
    try {
      await routing.enqueue(new Event("AUDIT_LOGIN", {}));
      await routing.enqueue(new Event("AUDIT_LOGOUT", {}));
      await routing.enqueue(new Event("ORDER", {}));
      expect(await redisB.xlen(stream)).toBe(2);
      expect(await redisA.xlen(stream)).toBe(1);
      expect(routing.backendFor("AUDIT_X")).toBe(routing.backends[0]);
      expect(routing.backendFor("ORDER")).toBe(routing.backends[1]);
    } finally {
      redisA.disconnect();
      redisB.disconnect();
      await routing.close();
    }
  });

  it("runs a Spine whose emitted events are committed on their source and forwarded to their route", {
    timeout: 30_000,
  }, async () => {
    const stream = `routing:${randomUUID()}`;
    const { routing } = open(stream);
    const counter = new CountOrgan();
    const spine = new Spine({
      organs: [new JobOrgan(), counter],
      backend: routing,
      logger: false,
      concurrency: 8,
      pollTimeoutMs: 100,
    });
    const jobs = Array.from({ length: 40 }, (_, n) => new Event("JOB", { n }));
    const run = spine.run(jobs);
    const redisB = rawClient(b.url);
    try {
      await waitUntil("every AUDIT_JOB and NOTE handled", () => counter.seen.size === 80, 20_000);
      expect([...counter.seen.values()].every((times) => times === 1)).toBe(true);
      // The AUDIT_JOB events went through A (the source's commit) to B, once each.
      expect(await redisB.xlen(stream)).toBe(40);
      expect(await redisB.zcard(`${stream}:once`)).toBe(40);
      await waitUntil("every forward counted", () => routing.metrics.forwarded === 40);
      expect(routing.metrics).toEqual({ forwarded: 40, copiesDropped: 0, failures: 0 });
      const health = await routing.health();
      expect(health.healthy).toBe(true);
      expect(health.details.backends).toHaveLength(2);
    } finally {
      spine.stop();
      await run;
      redisB.disconnect();
      await routing.close();
    }
  });

  it("takes from every backend in turn, starving none", { timeout: 20_000 }, async () => {
    const stream = `routing:${randomUUID()}`;
    const { routing } = open(stream);
    try {
      // More than a run of FAIR_RUN on each side: a backend reading ahead keeps a batch at hand,
      // and the other must still be pulled.
      await Promise.all(
        Array.from({ length: 400 }, (_, n) =>
          routing.enqueue(new Event(n % 2 === 0 ? "AUDIT_X" : "OTHER", { n })),
        ),
      );
      const got: Event[] = [];
      while (got.length < 200) {
        const event = routing.take() ?? (await routing.pull(1_000));
        if (event === null) break;
        got.push(event);
        await routing.ack(event);
      }
      const audits = got.filter((event) => event.eventType === "AUDIT_X").length;
      expect(audits).toBeGreaterThanOrEqual(50);
      expect(got.length - audits).toBeGreaterThanOrEqual(50);
    } finally {
      await routing.close();
    }
  });

  it("ends every inner pull when the pull's signal aborts, and loses no later event", async () => {
    const stream = `routing:${randomUUID()}`;
    const { routing } = open(stream);
    try {
      const abort = new AbortController();
      const started = performance.now();
      const waiting = routing.pull(10_000, abort.signal);
      setTimeout(() => abort.abort(), 100);
      expect(await waiting).toBeNull();
      expect(performance.now() - started).toBeLessThan(2_000);
      const sent = new Event("AUDIT_LATER", {});
      await routing.enqueue(sent);
      expect((await routing.pull(5_000))?.id).toBe(sent.id);
    } finally {
      await routing.close();
    }
  });

  it("once closed, resolves pulls with null, rejects enqueues and has closed its backends", async () => {
    const stream = `routing:${randomUUID()}`;
    const { routing, onA, onB } = open(stream);
    const waiting = routing.pull(10_000);
    await routing.close();
    expect(await waiting).toBeNull();
    expect(await routing.pull(10)).toBeNull();
    await expect(routing.enqueue(new Event("ORDER", {}))).rejects.toThrow(BackendClosedError);
    await expect(onA.enqueue(new Event("ORDER", {}))).rejects.toThrow(BackendClosedError);
    await expect(onB.enqueue(new Event("AUDIT_X", {}))).rejects.toThrow(BackendClosedError);
    await routing.close();
  });
});

describe("RoutingBackend over two InMemoryBackends", () => {
  it("runs a Spine until idle, each emitted event handled once from its route's backend", async () => {
    const audits = new InMemoryBackend();
    const rest = new InMemoryBackend();
    const routing = new RoutingBackend({
      routes: [
        { types: ["AUDIT_*"], backend: audits },
        { types: ["*"], backend: rest },
      ],
    });
    const counter = new CountOrgan();
    const spine = new Spine({ organs: [new JobOrgan(), counter], backend: routing, logger: false });
    const stats = await spine.run(Array.from({ length: 30 }, (_, n) => new Event("JOB", { n })));
    expect(stats.eventsProcessed).toBe(90);
    expect(counter.seen.size).toBe(60);
    expect([...counter.seen.values()].every((times) => times === 1)).toBe(true);
    // Not atomic (in-memory backends have no commit): emitted events went straight to their route.
    expect(routing.metrics.forwarded).toBe(0);
    await routing.close();
  });
});
