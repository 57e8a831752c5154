/**
 * The routing table: event type -> the organs that listen to it, in the order they were given.
 * Built once when the Spine is made, so dispatch is one map lookup, not a scan of every organ.
 */
import { describeValue } from "./errors.js";
import type { Organ } from "./organ.js";

export type RouteTable = ReadonlyMap<string, readonly Organ[]>;

/**
 * Checks every organ's contract and builds the table. Throws a `TypeError` naming the organ and
 * what is wrong with it.
 */
export function buildRoutes(organs: readonly Organ[]): RouteTable {
  const routes = new Map<string, Organ[]>();
  organs.forEach((organ, index) => {
    checkOrgan(organ, index);
    // One organ listing a type twice still runs once per event.
    for (const type of new Set(organ.listensTo)) {
      const list = routes.get(type);
      if (list === undefined) routes.set(type, [organ]);
      else list.push(organ);
    }
  });
  return routes;
}

function checkOrgan(organ: Organ, index: number): void {
  if (typeof organ !== "object" || organ === null) {
    throw new TypeError(`organs[${index}] must be an Organ instance, got ${describeValue(organ)}`);
  }
  const label = `Organ ${typeof organ.name === "string" ? organ.name : `at organs[${index}]`}`;
  const { listensTo } = organ;
  if (!Array.isArray(listensTo)) {
    throw new TypeError(
      `${label}: listensTo must be an array of event type strings, got ${describeValue(listensTo)}`,
    );
  }
  listensTo.forEach((type: unknown, i) => {
    if (typeof type !== "string" || type.trim() === "") {
      throw new TypeError(
        `${label}: listensTo[${i}] must be a non-empty string, got ${describeValue(type)}`,
      );
    }
    if (type !== type.trim()) {
      throw new TypeError(
        `${label}: listensTo[${i}] has surrounding whitespace (${JSON.stringify(type)}); event types are trimmed, so it would never match`,
      );
    }
  });
  if (typeof organ.handle !== "function") {
    throw new TypeError(`${label}: handle must be a method, got ${describeValue(organ.handle)}`);
  }
  if (organ.handle.length !== 1) {
    throw new TypeError(
      `${label}: handle must be declared with exactly one parameter (the event), but it declares ${organ.handle.length}`,
    );
  }
}
