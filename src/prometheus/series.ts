/**
 * The labelled series, kept as plain numbers on the hot path. Event types and organs come from
 * the routing table: an organ's name and the types it listens to, given up front (`organs`) or
 * learned from the organ info the Spine passes with each handled event (which is the routing
 * table's). Any other event type counts as "other", so a producer inventing types cannot grow
 * the label set.
 */
import { organsOf } from "../core/decorators.js";
import type { OrganInfo } from "../core/handler.js";
import { AGE_BUCKETS, Buckets, DURATION_BUCKETS } from "./histogram.js";

/** The values of the `outcome` label, in the order of `OrganSeries.outcomes`. */
export const OUTCOMES = ["ack", "retry", "dead_letter", "error"] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const ACK = 0;
export const RETRY = 1;
export const DEAD_LETTER = 2;
export const ERROR = 3;

/** The `event_type` of every type outside the routing table. */
export const OTHER = "other";

/** One organ on one event type. */
export class OrganSeries {
  readonly eventType: string;
  readonly organ: string;
  /** Handlings by the fate of their event, indexed like {@link OUTCOMES}. */
  readonly outcomes: number[] = [0, 0, 0, 0];
  readonly duration = new Buckets(DURATION_BUCKETS);

  constructor(eventType: string, organ: string) {
    this.eventType = eventType;
    this.organ = organ;
  }
}

/** One event type (or "other"). */
export class TypeSeries {
  readonly eventType: string;
  /** Events of this type emitted by organs and accepted by the backend. */
  published = 0;
  readonly age = new Buckets(AGE_BUCKETS);
  /** The organs that listen to this type: every one of them handles each event of it. */
  readonly organs: OrganSeries[] = [];

  constructor(eventType: string) {
    this.eventType = eventType;
  }
}

export class SeriesTable {
  readonly other = new TypeSeries(OTHER);
  readonly #types = new Map<string, TypeSeries>();
  readonly #byOrgan = new Map<OrganInfo, Map<string, OrganSeries>>();
  /** Each organ's last series: most organs listen to one type, so one lookup finds it. */
  readonly #last = new Map<OrganInfo, OrganSeries>();

  /** The series of a type, "other" when it is not routed. */
  typeOf(eventType: string): TypeSeries {
    return this.#types.get(eventType) ?? this.other;
  }

  /** The series of a routed type, else undefined. */
  routed(eventType: string): TypeSeries | undefined {
    return this.#types.get(eventType);
  }

  /** The series of `organ` on `eventType`, learning the route on first sight. */
  organSeries(organ: OrganInfo, eventType: string): OrganSeries {
    const last = this.#last.get(organ);
    if (last !== undefined && last.eventType === eventType) return last;
    let byType = this.#byOrgan.get(organ);
    if (byType === undefined) {
      byType = new Map();
      this.#byOrgan.set(organ, byType);
    }
    let series = byType.get(eventType);
    if (series === undefined) {
      series = this.route(eventType, organ.name);
      byType.set(eventType, series);
    }
    this.#last.set(organ, series);
    return series;
  }

  /** Declares that the organ named `organ` listens to `eventType`. */
  route(eventType: string, organ: string): OrganSeries {
    let type = this.#types.get(eventType);
    if (type === undefined) {
      type = new TypeSeries(eventType);
      this.#types.set(eventType, type);
    }
    let series = type.organs.find((s) => s.organ === organ);
    if (series === undefined) {
      series = new OrganSeries(eventType, organ);
      type.organs.push(series);
    }
    return series;
  }

  /**
   * Declares the routes of organs as the Spine takes them: Organ instances, objects keeping the
   * organ contract, or objects with `@on` methods.
   */
  routeOrgans(sources: readonly object[]): void {
    for (const source of sources) {
      const organs = isOrganLike(source) ? [source] : (organsOf(source) ?? []);
      for (const organ of organs) {
        for (const eventType of organ.listensTo) this.route(eventType, organ.name);
      }
    }
  }

  /** Every type series, routed ones first, "other" last. */
  *types(): Iterable<TypeSeries> {
    yield* this.#types.values();
    yield this.other;
  }
}

function isOrganLike(source: object): source is OrganInfo {
  const o = source as { listensTo?: unknown; name?: unknown };
  return Array.isArray(o.listensTo) && typeof o.name === "string";
}
