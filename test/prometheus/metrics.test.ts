import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { packageVersion } from "../../src/cli/version.js";
import { Event, InMemoryBackend, organ, Spine } from "../../src/index.js";
import { resolveMetricsOptions } from "../../src/prometheus/options.js";
import {
  createMetrics,
  METRIC_NAMES,
  PromClientMissingError,
  reasonKindOf,
} from "../../src/prometheus.js";
import { RedisBackend } from "../../src/redis.js";
import { parseExposition, sample, samplesOf } from "./scrape.js";

/** The 3-organ chain: START -> A -> MID -> B -> END -> C. */
function chain(options: { failB?: (n: number) => boolean } = {}) {
  return [
    organ("A", ["START"], (e: Event) => new Event("MID", e.payload)),
    organ("B", ["MID"], (e: Event) => {
      const n = (e.payload as { n: number }).n;
      if (options.failB?.(n) === true) throw new Error(`B fails on ${n}`);
      return new Event("END", e.payload);
    }),
    organ("C", ["END"], () => undefined),
  ];
}

const starts = (count: number) =>
  Array.from({ length: count }, (_, n) => new Event("START", { n }));

async function scrape(metrics: { metrics(): Promise<string> }) {
  return parseExposition(await metrics.metrics());
}

describe("createMetrics", () => {
  it("counts a known run exactly: published by type, processed by organ and outcome, durations, ages", async () => {
    const backend = new InMemoryBackend();
    const organs = chain();
    const metrics = createMetrics({ backend, organs });
    const spine = new Spine({ organs, backend, observers: [metrics], logger: false });
    await spine.run(starts(5));
    const s = await scrape(metrics);
    const d = { destination: "default" };

    expect(samplesOf(s, METRIC_NAMES.published)).toEqual({
      // The start events given to run(), once the backend accepted them.
      'necrostack_events_published_total{destination="default",event_type="START"}': 5,
      'necrostack_events_published_total{destination="default",event_type="MID"}': 5,
      'necrostack_events_published_total{destination="default",event_type="END"}': 5,
      'necrostack_events_published_total{destination="default",event_type="other"}': 0,
    });
    for (const [type, name] of [
      ["START", "A"],
      ["MID", "B"],
      ["END", "C"],
    ] as const) {
      const labels = { ...d, event_type: type, organ: name };
      expect(sample(s, METRIC_NAMES.processed, { ...labels, outcome: "ack" })).toBe(5);
      for (const outcome of ["retry", "dead_letter", "error"]) {
        expect(sample(s, METRIC_NAMES.processed, { ...labels, outcome })).toBe(0);
      }
      const series = { event_type: type, organ: name };
      expect(sample(s, `${METRIC_NAMES.processDuration}_count`, series)).toBe(5);
      expect(sample(s, `${METRIC_NAMES.processDuration}_bucket`, { ...series, le: "+Inf" })).toBe(
        5,
      );
      // Synchronous handlers of nothing: well under a second each.
      expect(sample(s, `${METRIC_NAMES.processDuration}_bucket`, { ...series, le: "1" })).toBe(5);
      expect(sample(s, `${METRIC_NAMES.eventAge}_count`, { event_type: type })).toBe(5);
    }
    expect(sample(s, METRIC_NAMES.redelivered, d)).toBe(0);
    expect(sample(s, METRIC_NAMES.loopStopped)).toBe(0);
    expect(sample(s, METRIC_NAMES.inFlight)).toBe(0);
    expect(sample(s, METRIC_NAMES.streamLength, d)).toBe(0);
    expect(sample(s, METRIC_NAMES.buildInfo, { version: packageVersion() })).toBe(1);
    for (const kind of [
      "retries_exhausted",
      "max_deliveries",
      "loop_protection",
      "invalid_event",
      "other",
    ]) {
      expect(sample(s, METRIC_NAMES.deadLettered, { ...d, reason_kind: kind })).toBe(0);
    }
  });

  it("counts an organ's failure as outcome error when the event is committed anyway (log mode)", async () => {
    const backend = new InMemoryBackend();
    const organs = chain({ failB: (n) => n % 2 === 0 });
    const metrics = createMetrics({ backend, organs, destination: "jobs" });
    const spine = new Spine({ organs, backend, observers: [metrics], logger: false });
    await spine.run(starts(6));
    const s = await scrape(metrics);
    const b = { destination: "jobs", event_type: "MID", organ: "B" };
    expect(sample(s, METRIC_NAMES.processed, { ...b, outcome: "error" })).toBe(3);
    expect(sample(s, METRIC_NAMES.processed, { ...b, outcome: "ack" })).toBe(3);
    expect(sample(s, METRIC_NAMES.published, { destination: "jobs", event_type: "END" })).toBe(3);
    expect(
      sample(s, METRIC_NAMES.processed, {
        destination: "jobs",
        event_type: "END",
        organ: "C",
        outcome: "ack",
      }),
    ).toBe(3);
    // A failed handler is timed too.
    expect(
      sample(s, `${METRIC_NAMES.processDuration}_count`, { event_type: "MID", organ: "B" }),
    ).toBe(6);
  });

  it("counts a loop-stopped event once, as a dead letter of kind loop_protection, with no organ outcome", async () => {
    const backend = new InMemoryBackend();
    const organs = chain();
    const metrics = createMetrics({ backend, organs });
    const spine = new Spine({ organs, backend, observers: [metrics], logger: false, maxHops: 1 });
    await spine.run(starts(2));
    const s = await scrape(metrics);
    const d = { destination: "default" };
    expect(sample(s, METRIC_NAMES.loopStopped)).toBe(2);
    expect(sample(s, METRIC_NAMES.deadLettered, { ...d, reason_kind: "loop_protection" })).toBe(2);
    // END (hop 2) never reached C: no outcome of C at all.
    for (const outcome of ["ack", "retry", "dead_letter", "error"]) {
      expect(
        sample(s, METRIC_NAMES.processed, { ...d, event_type: "END", organ: "C", outcome }),
      ).toBe(0);
    }
    expect(
      sample(s, METRIC_NAMES.processed, { ...d, event_type: "MID", organ: "B", outcome: "ack" }),
    ).toBe(2);
    expect(sample(s, METRIC_NAMES.inFlight)).toBe(0);
  });

  it("buckets event types outside the routing table as other", async () => {
    const backend = new InMemoryBackend();
    const organs = [
      organ("Fanout", ["START"], (e: Event) => [
        new Event(`RANDOM_${(e.payload as { n: number }).n}`, {}),
        new Event("END", {}),
      ]),
      organ("C", ["END"], () => undefined),
    ];
    const metrics = createMetrics({ backend, organs });
    const spine = new Spine({ organs, backend, observers: [metrics], logger: false });
    await spine.run([...starts(3), new Event("UNKNOWN_START", {})]);
    const s = await scrape(metrics);
    const types = Object.keys(samplesOf(s, METRIC_NAMES.published));
    expect(types).toEqual([
      'necrostack_events_published_total{destination="default",event_type="START"}',
      'necrostack_events_published_total{destination="default",event_type="END"}',
      'necrostack_events_published_total{destination="default",event_type="other"}',
    ]);
    // RANDOM_0..2 emitted, and the start event UNKNOWN_START.
    expect(sample(s, METRIC_NAMES.published, { destination: "default", event_type: "other" })).toBe(
      4,
    );
    // RANDOM_* and UNKNOWN_START were received: their ages are under "other".
    expect(sample(s, `${METRIC_NAMES.eventAge}_count`, { event_type: "other" })).toBe(4);
    expect(s.has(`${METRIC_NAMES.eventAge}_count{event_type="RANDOM_0"}`)).toBe(false);
  });

  it("learns the routes from the handled events when no organs are given", async () => {
    const backend = new InMemoryBackend();
    const organs = chain();
    const metrics = createMetrics({ backend });
    const spine = new Spine({ organs, backend, observers: [metrics], logger: false });
    await spine.run(starts(2));
    const s = await scrape(metrics);
    expect(
      sample(s, METRIC_NAMES.processed, {
        destination: "default",
        event_type: "END",
        organ: "C",
        outcome: "ack",
      }),
    ).toBe(2);
  });

  it("registers in the registry it is given, and refuses a second set of the same names there", () => {
    const registry = new Registry();
    const metrics = createMetrics({ registry });
    expect(metrics.registry).toBe(registry);
    expect(registry.getSingleMetric(METRIC_NAMES.processed)).toBeDefined();
    expect(() => createMetrics({ registry })).toThrow(/already been registered/);
  });

  it("takes the delivery limit from a backend that states one, unless told otherwise", () => {
    // Built, never connected: the backend states its limit from its options.
    const backend = new RedisBackend({
      redisUrl: "redis://127.0.0.1:1",
      maxRetries: 5,
      logger: false,
    });
    expect(backend.maxRetries).toBe(5);
    expect(resolveMetricsOptions({ backend }).maxDeliveries).toBe(5);
    expect(resolveMetricsOptions({ backend, maxDeliveries: 2 }).maxDeliveries).toBe(2);
    expect(resolveMetricsOptions({ backend: new InMemoryBackend() }).maxDeliveries).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it("rejects bad options naming the option and the value", () => {
    expect(() => createMetrics({ maxDeliveries: 0 })).toThrow(
      "Expected `maxDeliveries` to be an integer >= 1 or Infinity, got `0` (number)",
    );
    expect(() => createMetrics({ destination: "" })).toThrow(/`destination`/);
  });

  it("says to install prom-client when it is missing", () => {
    const error = new PromClientMissingError(new Error("Cannot find package 'prom-client'"));
    expect(error.code).toBe("ERR_PROM_CLIENT_MISSING");
    expect(error.message).toMatch(/install it with `npm install prom-client`/);
  });
});

describe("reasonKindOf", () => {
  it.each([
    ["Organ B failed: boom", "retries_exhausted"],
    ["Failed on all 3 deliveries; last failure: Organ B failed: boom", "retries_exhausted"],
    ["Exceeded 3 deliveries (last delivered to consumer w1, unacked for 40 ms)", "max_deliveries"],
    ["loop protection: hop 101 > maxHops 100 (correlation-id x)", "loop_protection"],
    ['entry has no "event" field (fields: foo)', "invalid_event"],
    ["Invalid event: eventType: required", "invalid_event"],
    ['field "event" is not valid UTF-8', "invalid_event"],
    ["Rejected by its consumer", "other"],
  ])("maps %j to %s", (reason, kind) => {
    expect(reasonKindOf(reason)).toBe(kind);
  });
});
