/** Query parameters read and checked: each failure names the parameter and what was received. */
import { InspectQueryError } from "../../core/inspect/errors.js";

/** An integer parameter in [1, max], or undefined when absent. */
export function intParam(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new InspectQueryError(name, `an integer from 1 to ${max}`, value);
  }
  return n;
}

/** A time parameter (ISO-8601, or epoch ms) as epoch ms, or undefined when absent. */
export function timeParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new InspectQueryError(
      name,
      "an ISO-8601 time such as 2024-01-15T10:30:00Z, or epoch ms",
      value,
    );
  }
  return ms;
}

/** A comma-separated list of event types (at most 20), or undefined when absent. */
export function typesParam(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const types = [
    ...new Set(
      value
        .split(",")
        .map((t) => t.trim())
        .filter((t) => t !== ""),
    ),
  ];
  if (types.length > 20 || types.some((t) => t.length > 200)) {
    throw new InspectQueryError(
      "type",
      "at most 20 event types of at most 200 characters each",
      value,
    );
  }
  return types;
}

/** An optional string parameter, absent when empty. */
export function textParam(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** The `entryIds` of a repair call's JSON body. */
export function entryIdsOf(body: unknown): string[] {
  const ids =
    typeof body === "object" && body !== null
      ? (body as { entryIds?: unknown }).entryIds
      : undefined;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string")) {
    throw new InspectQueryError("entryIds", "a JSON body { entryIds: string[] }", body);
  }
  return ids as string[];
}
