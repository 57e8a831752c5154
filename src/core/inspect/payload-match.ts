/**
 * The payload search's matcher, pure: whether an event's payload matches a query.
 *
 * - `equals`: the value at `path` is a string equal to `value`, or a number, boolean or null
 *   whose JSON text is `value` (`equals=42` finds `42` and `"42"`). Objects and arrays never do.
 * - `contains`: the value at `path` is a string holding `value` (ignoring case), or an array
 *   with an element that `equals` would match.
 * - `text`: some string in the payload holds `text` (ignoring case), or some number or boolean's
 *   JSON text does. Keys are not searched.
 *
 * A path is keys joined by dots, with `[n]` for array indexes: `order.items[0].sku`. A key made
 * of digits also indexes an array (`items.0.sku`). A key holding `.` or `[` cannot be named.
 *
 * {@link compileQuery} builds a matcher over stored wire text that skips parsing entries which
 * cannot match: when the searched string has only printable ASCII other than `"` and `\`, a
 * payload holding it holds it verbatim in the JSON text (JSON writers escape only quotes,
 * backslashes, control characters and, in Python's default, non-ASCII), so text without it is
 * not parsed. That is what makes a search over 100,000 entries cheap.
 */
import type { JsonValue } from "../json.js";
import { InspectQueryError } from "./errors.js";

/** One step of a path: an object key, or an array index. */
export type PathStep = string | number;

/** A payload search. */
export type PayloadQuery =
  | { readonly kind: "equals"; readonly path: readonly PathStep[]; readonly value: string }
  | { readonly kind: "contains"; readonly path: readonly PathStep[]; readonly value: string }
  | { readonly kind: "text"; readonly text: string };

/** The longest path or searched value accepted, in characters. */
export const MAX_QUERY_LENGTH = 1_000;

const STEP = /^([^.[\]]+)|^\[(\d+)\]/;

/**
 * `order.items[0].sku` as steps (`["order", "items", 0, "sku"]`). Throws
 * {@link InspectQueryError} naming `parameter` for an empty or malformed path.
 */
export function parsePath(text: string, parameter = "path"): PathStep[] {
  const expected = 'a payload path such as "order.items[0].sku"';
  if (typeof text !== "string" || text === "" || text.length > MAX_QUERY_LENGTH) {
    throw new InspectQueryError(
      parameter,
      `${expected}, at most ${MAX_QUERY_LENGTH} characters`,
      text,
    );
  }
  const steps: PathStep[] = [];
  let rest = text;
  while (rest !== "") {
    const match = STEP.exec(rest);
    if (match === null) throw new InspectQueryError(parameter, expected, text);
    steps.push(match[1] !== undefined ? match[1] : Number(match[2]));
    rest = rest.slice(match[0].length);
    if (rest.startsWith(".")) {
      rest = rest.slice(1);
      if (rest === "" || rest.startsWith(".") || rest.startsWith("[")) {
        throw new InspectQueryError(parameter, expected, text);
      }
    } else if (rest !== "" && !rest.startsWith("[")) {
      throw new InspectQueryError(parameter, expected, text);
    }
  }
  return steps;
}

/** The value at `path` in `root`, or undefined when the path leads nowhere. */
export function valueAt(root: JsonValue, path: readonly PathStep[]): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const step of path) {
    if (node === null || typeof node !== "object") return undefined;
    if (Array.isArray(node)) {
      const index = typeof step === "number" ? step : /^\d+$/.test(step) ? Number(step) : -1;
      node = index >= 0 && index < node.length ? (node as readonly JsonValue[])[index] : undefined;
    } else {
      const key = String(step);
      node = Object.hasOwn(node, key) ? (node as Record<string, JsonValue>)[key] : undefined;
    }
  }
  return node;
}

/** Whether `payload` matches `query` (see the module's doc for each kind). */
export function matchesPayload(payload: JsonValue, query: PayloadQuery): boolean {
  if (query.kind === "text") return holdsText(payload, query.text.toLowerCase());
  const found = valueAt(payload, query.path);
  if (found === undefined) return false;
  if (query.kind === "equals") return scalarEquals(found, query.value);
  if (typeof found === "string") return found.toLowerCase().includes(query.value.toLowerCase());
  return Array.isArray(found) && found.some((item: JsonValue) => scalarEquals(item, query.value));
}

function scalarEquals(value: JsonValue, wanted: string): boolean {
  if (typeof value === "string") return value === wanted;
  if (value === null || typeof value !== "object") return JSON.stringify(value) === wanted;
  return false;
}

function holdsText(value: JsonValue, lower: string): boolean {
  if (typeof value === "string") return value.toLowerCase().includes(lower);
  if (value === null) return "null".includes(lower);
  if (typeof value !== "object") return String(value).toLowerCase().includes(lower);
  if (Array.isArray(value)) return value.some((item: JsonValue) => holdsText(item, lower));
  for (const key in value) {
    if (holdsText((value as Record<string, JsonValue>)[key] as JsonValue, lower)) return true;
  }
  return false;
}

/** A query compiled against stored wire text. */
export interface CompiledQuery {
  readonly query: PayloadQuery;
  /**
   * Whether the event whose wire JSON is `wire` matches: false for text that is not an event
   * object with a payload.
   */
  matchesWire(wire: string): boolean;
}

/** Only these are sure to appear verbatim in a JSON text holding them (see the module's doc). */
const VERBATIM = /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/;

/** See {@link CompiledQuery}. */
export function compileQuery(query: PayloadQuery): CompiledQuery {
  const needle = query.kind === "text" ? query.text : query.value;
  // For equals, a string value appears as itself; a number as its text. Both verbatim. A search
  // that ignores case lowers the text as the matcher does (a case-blind RegExp folds a few
  // characters differently, and would skip entries the matcher takes).
  let mayMatch: ((wire: string) => boolean) | undefined;
  if (VERBATIM.test(needle)) {
    const lower = needle.toLowerCase();
    mayMatch =
      query.kind === "equals"
        ? (wire) => wire.includes(needle)
        : (wire) => wire.toLowerCase().includes(lower);
  }
  return {
    query,
    matchesWire(wire: string): boolean {
      if (mayMatch !== undefined && !mayMatch(wire)) return false;
      let parsed: unknown;
      try {
        parsed = JSON.parse(wire);
      } catch {
        return false;
      }
      if (typeof parsed !== "object" || parsed === null || !("payload" in parsed)) return false;
      return matchesPayload((parsed as { payload: JsonValue }).payload, query);
    },
  };
}

/**
 * The query of a search's parameters: exactly one of `path` with `equals` or `contains`, or
 * `text`. Throws {@link InspectQueryError} naming what is missing or extra.
 */
export function payloadQuery(parameters: {
  readonly path?: string | undefined;
  readonly equals?: string | undefined;
  readonly contains?: string | undefined;
  readonly text?: string | undefined;
}): PayloadQuery {
  const { path, equals, contains, text } = parameters;
  const given = [equals, contains, text].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new InspectQueryError(
      "search",
      "exactly one of `equals`, `contains` (each with `path`) or `text`",
      parameters,
    );
  }
  if (text !== undefined) {
    if (path !== undefined) throw new InspectQueryError("path", "absent with `text`", path);
    return { kind: "text", text: searched("text", text) };
  }
  const steps = parsePath(path ?? "");
  if (equals !== undefined)
    return { kind: "equals", path: steps, value: searched("equals", equals) };
  return { kind: "contains", path: steps, value: searched("contains", contains as string) };
}

function searched(parameter: string, value: string): string {
  if (value === "" || value.length > MAX_QUERY_LENGTH) {
    throw new InspectQueryError(
      parameter,
      `a non-empty string of at most ${MAX_QUERY_LENGTH} characters`,
      value,
    );
  }
  return value;
}
