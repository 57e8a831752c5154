/**
 * An event's causation tree over any {@link StreamInspector}: find the event, take its chain's
 * correlation id, collect every event of that chain in the newest `window` entries of the stream
 * and of its dead letters (only headers are looked at until one belongs), and build the tree
 * (causation-tree.ts).
 */
import {
  buildCausationTree,
  type CausationTree,
  type ChainEvent,
  correlationOf,
  inChain,
} from "./causation-tree.js";
import { decodeStored, rowOf } from "./event-row.js";
import type { StoredEntry, StreamInspector } from "./inspector.js";
import { bounded, DEFAULT_WINDOW, findEvent, MAX_WINDOW } from "./read.js";
import { walk } from "./walk.js";

/** Options of {@link traceEvent}. */
export interface TraceOptions {
  /** Entries examined in the stream, and again in the dead letters. @defaultValue 100,000 */
  readonly window?: number | undefined;
  /** The most nodes in the tree. @defaultValue 500 */
  readonly maxNodes?: number | undefined;
}

/** The tree, with how far the search went. */
export interface TraceResult extends CausationTree {
  /** Entries examined, stream and dead letters together. */
  readonly searched: number;
}

/** The causation tree around event `eventId`; null when the event is not found in the window. */
export async function traceEvent(
  inspector: StreamInspector,
  stream: string,
  eventId: string,
  options: TraceOptions = {},
): Promise<TraceResult | null> {
  const window = bounded("window", options.window, DEFAULT_WINDOW, MAX_WINDOW);
  const maxNodes = bounded("maxNodes", options.maxNodes, 500, 10_000);
  const focus = await findEvent(inspector, stream, eventId, window);
  if (focus === null) return null;
  const correlationId = correlationOf(focus.event);
  const found: ChainEvent[] = [];
  // Bounded: a chain larger than this many events is cut, and the tree says so.
  const most = maxNodes * 4;
  const collect = (entry: StoredEntry): ChainEvent["event"] | undefined => {
    // The correlation id is in the headers of every event of the chain but its first, whose id
    // it is: a text test before decoding anything.
    if (!entry.headers.includes(correlationId) && !(entry.wire ?? "").includes(correlationId)) {
      return undefined;
    }
    const event = decodeStored(entry);
    if (typeof event === "string") return undefined;
    const row = rowOf(entry.entryId, event);
    return inChain(row, correlationId) ? row : undefined;
  };
  const inStream = await walk(
    (scan) => inspector.scan(stream, scan),
    { window },
    (entry) => {
      const event = collect(entry);
      if (event !== undefined) found.push({ event, location: "stream" });
      return found.length >= most;
    },
  );
  const inDead = await walk(
    (scan) => inspector.scanDeadLetters(stream, scan),
    { window },
    (entry) => {
      const event = collect(entry);
      if (event !== undefined) {
        found.push({
          event,
          location: "dead-letters",
          deadLetter: { reason: entry.reason, failedAt: entry.failedAt },
        });
      }
      return found.length >= most * 2;
    },
  );
  // The focus itself may lie beyond the collection's bound: it is always part of the tree.
  if (!found.some((item) => item.event.id === eventId)) {
    found.push({
      event: focus.event,
      location: focus.location,
      ...(focus.deadLetter !== undefined ? { deadLetter: focus.deadLetter } : {}),
    });
  }
  const tree = buildCausationTree(eventId, found, maxNodes) as CausationTree;
  return { ...tree, searched: inStream.scanned + inDead.scanned };
}
