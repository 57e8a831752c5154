/**
 * The metrics as prom-client sees them: each counter and gauge is filled from the observer's
 * numbers (or the backend's health) in its `collect()`, which the registry calls when scraped;
 * the histograms are kept by hand (see histogram.ts).
 */
import type { Registry } from "prom-client";
import { packageVersion } from "../cli/version.js";
import type { HealthReader } from "./backend-gauges.js";
import { HandKeptHistogram } from "./histogram.js";
import type { MetricsObserver } from "./metrics-observer.js";
import type { PromClient } from "./prom-client.js";
import { OUTCOMES } from "./series.js";

/** Every metric name, as exported. */
export const METRIC_NAMES = {
  published: "necrostack_events_published_total",
  processed: "necrostack_events_processed_total",
  redelivered: "necrostack_events_redelivered_total",
  deadLettered: "necrostack_events_dead_lettered_total",
  loopStopped: "necrostack_loop_stopped_total",
  processDuration: "necrostack_process_duration_seconds",
  eventAge: "necrostack_event_age_seconds",
  inFlight: "necrostack_in_flight_events",
  lag: "necrostack_consumer_group_lag",
  pending: "necrostack_consumer_group_pending",
  streamLength: "necrostack_stream_length",
  deadLetterLength: "necrostack_dead_letter_length",
  buildInfo: "necrostack_build_info",
} as const;

export function registerMetrics(
  prom: PromClient,
  registry: Registry,
  observer: MetricsObserver,
  destination: string,
  health: HealthReader,
): void {
  const registers = [registry];
  const n = METRIC_NAMES;
  const table = observer.table;

  new prom.Counter({
    name: n.published,
    help: "Events emitted by organs and accepted by the backend, by type.",
    labelNames: ["destination", "event_type"],
    registers,
    collect() {
      this.reset();
      for (const type of table.types()) {
        this.inc({ destination, event_type: type.eventType }, type.published);
      }
    },
  });
  new prom.Counter({
    name: n.processed,
    help: "Events handled, by type, organ, and the fate of the event (ack, retry, dead_letter, error).",
    labelNames: ["destination", "event_type", "organ", "outcome"],
    registers,
    collect() {
      this.reset();
      for (const type of table.types()) {
        for (const series of type.organs) {
          OUTCOMES.forEach((outcome, i) => {
            this.inc(
              { destination, event_type: series.eventType, organ: series.organ, outcome },
              series.outcomes[i] as number,
            );
          });
        }
      }
    },
  });
  new prom.Counter({
    name: n.redelivered,
    help: "Events received again after an earlier delivery (the backend's delivery attempt > 1).",
    labelNames: ["destination"],
    registers,
    collect() {
      this.reset();
      this.inc({ destination }, observer.redelivered);
    },
  });
  new prom.Counter({
    name: n.deadLettered,
    help: "Events given up to the dead-letter store, by kind of reason.",
    labelNames: ["destination", "reason_kind"],
    registers,
    collect() {
      this.reset();
      for (const [reason_kind, count] of observer.deadLetters) {
        this.inc({ destination, reason_kind }, count);
      }
    },
  });
  new prom.Counter({
    name: n.loopStopped,
    help: "Events not handled because their hop was past maxHops (loop protection).",
    registers,
    collect() {
      this.reset();
      this.inc(observer.loopsStopped);
    },
  });

  registry.registerMetric(
    new HandKeptHistogram(
      n.processDuration,
      "Time an organ's handler took, in seconds.",
      function* () {
        for (const type of table.types()) {
          for (const s of type.organs) {
            yield [{ event_type: s.eventType, organ: s.organ }, s.duration] as const;
          }
        }
      },
    ).asMetric(),
  );
  registry.registerMetric(
    new HandKeptHistogram(
      n.eventAge,
      "Time from an event's timestamp to its receipt by a worker, in seconds: end-to-end latency.",
      function* () {
        for (const type of table.types()) {
          if (type.age.count > 0 || type !== table.other) {
            yield [{ event_type: type.eventType }, type.age] as const;
          }
        }
      },
    ).asMetric(),
  );

  new prom.Gauge({
    name: n.inFlight,
    help: "Events received by this process and not yet committed, released or dead-lettered.",
    registers,
    collect() {
      this.set(observer.inFlight);
    },
  });
  const levelGauge = (
    name: string,
    help: string,
    pick: (l: NonNullable<Awaited<ReturnType<HealthReader["read"]>>>) => number | null,
    perGroup: boolean,
  ): void => {
    new prom.Gauge({
      name,
      help,
      labelNames: perGroup ? ["destination", "consumer_group"] : ["destination"],
      registers,
      async collect() {
        this.reset();
        const levels = await health.read();
        if (levels === undefined || !levels.healthy) return;
        const value = pick(levels);
        if (value === null) return;
        if (!perGroup) this.set({ destination }, value);
        // A backend without consumer groups (PostgreSQL: every consumer shares the table)
        // reports its stream's lag and pending under the empty group.
        else this.set({ destination, consumer_group: levels.consumerGroup ?? "" }, value);
      },
    });
  };
  levelGauge(
    n.lag,
    "Entries of the stream not yet delivered to the consumer group (read from the backend when scraped).",
    (l) => l.lag,
    true,
  );
  levelGauge(
    n.pending,
    "Entries delivered to the consumer group and not yet acked (read from the backend when scraped).",
    (l) => l.pending,
    true,
  );
  levelGauge(
    n.streamLength,
    "Entries in the stream or queue (read from the backend when scraped).",
    (l) => l.streamLength,
    false,
  );
  levelGauge(
    n.deadLetterLength,
    "Entries in the dead-letter store (read from the backend when scraped).",
    (l) => l.deadLetterLength,
    false,
  );
  const info = new prom.Gauge({
    name: n.buildInfo,
    help: "Always 1; the NecroStack version as a label.",
    labelNames: ["version"],
    registers,
  });
  info.set({ version: packageVersion() }, 1);
}
