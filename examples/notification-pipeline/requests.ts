/**
 * Reading requests from JSON and CSV files and from prompt lines. Readers turn text into
 * requests and report rows they cannot read (with where they are); whether a readable request is
 * valid is the Validate organ's call, not theirs.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import type { JsonValue } from "necrostack";
import { readCsv } from "./csv.js";
import { InputError } from "./errors.js";
import { PRIORITIES } from "./events.js";
import type { NotificationRequest } from "./pipeline.js";

/** Requests read from a file, and the rows that could not be read. */
export interface LoadedRequests {
  readonly requests: NotificationRequest[];
  /** One line per unreadable row, such as `line 4: expected 4 fields, got 2`. */
  readonly malformed: string[];
}

const FIELDS = ["user_id", "channels", "message", "priority"] as const;

/** Reads a `.json` or `.csv` file of requests. Throws InputError if the file as a whole is unusable. */
export function loadRequestFile(path: string): LoadedRequests {
  const type = extname(path).toLowerCase();
  if (type !== ".json" && type !== ".csv") {
    throw new InputError(`Expected a .json or .csv file, got ${JSON.stringify(path)}`);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(`Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return type === ".json" ? parseJsonRequests(text, path) : parseCsvRequests(text, path);
}

/**
 * A JSON array of requests, or `{ "notifications": [...] }`, each
 * `{ "user_id": "user_001", "channels": ["email"], "message": "Hi", "priority": "high" }`.
 */
export function parseJsonRequests(text: string, source = "input"): LoadedRequests {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${source} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const items =
    isObject(data) && Array.isArray(data.notifications) ? (data.notifications as unknown[]) : data;
  if (!Array.isArray(items)) {
    throw new InputError(
      `${source}: expected an array of requests or {"notifications": [...]}, got ${kind(data)}`,
    );
  }
  const requests: NotificationRequest[] = [];
  const malformed: string[] = [];
  items.forEach((item: unknown, index) => {
    const where = `item ${index + 1}`;
    if (!isObject(item)) {
      malformed.push(`${where}: expected an object, got ${kind(item)}`);
      return;
    }
    const unknown = Object.keys(item).filter((key) => !(FIELDS as readonly string[]).includes(key));
    if (unknown.length > 0) {
      malformed.push(
        `${where}: unknown field ${unknown.map((k) => JSON.stringify(k)).join(", ")} (expected ${FIELDS.join(", ")})`,
      );
      return;
    }
    const request: NotificationRequest = {};
    // JSON.parse only makes JSON values, so these casts are exact.
    if (item.user_id !== undefined) request.userId = item.user_id as JsonValue;
    if (item.channels !== undefined) request.channels = item.channels as JsonValue;
    if (item.message !== undefined) request.message = item.message as JsonValue;
    if (item.priority !== undefined) request.priority = item.priority as JsonValue;
    requests.push(request);
  });
  return { requests, malformed };
}

/**
 * CSV with the header `user_id,channels,message,priority` (priority may be left out), channels
 * separated by `|`: `user_001,email|sms,"Your order shipped, at last",high`.
 */
export function parseCsvRequests(text: string, source = "input"): LoadedRequests {
  const records = readCsv(text);
  const first = records.next();
  if (first.done === true) return { requests: [], malformed: [] };
  const header = first.value;
  if ("error" in header) throw new InputError(`${source}: header: ${header.error}`);
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  const missing = FIELDS.slice(0, 3).filter((name) => !columns.includes(name));
  const extra = columns.filter((name) => !(FIELDS as readonly string[]).includes(name));
  if (missing.length > 0 || extra.length > 0) {
    throw new InputError(
      `${source}: the header must name the columns ${FIELDS.join(",")} (priority optional); ${[
        missing.length > 0 ? `missing ${missing.join(", ")}` : "",
        extra.length > 0 ? `unknown ${extra.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("; ")}`,
    );
  }
  const requests: NotificationRequest[] = [];
  const malformed: string[] = [];
  for (const record of records) {
    if ("error" in record) {
      malformed.push(`line ${record.line}: ${record.error}`);
      continue;
    }
    if (record.fields.length !== columns.length) {
      malformed.push(
        `line ${record.line}: expected ${columns.length} fields, got ${record.fields.length}`,
      );
      continue;
    }
    const row = new Map(columns.map((name, i) => [name, (record.fields[i] ?? "").trim()]));
    const request: NotificationRequest = {
      userId: row.get("user_id") ?? "",
      channels: splitList(row.get("channels") ?? "", "|"),
      message: row.get("message") ?? "",
    };
    const priority = row.get("priority");
    if (priority !== undefined && priority !== "") request.priority = priority;
    requests.push(request);
  }
  return { requests, malformed };
}

/**
 * One prompt line: `user_001 email,sms 'Your order shipped!' high`. The message may be quoted
 * with ' or " (a doubled quote inside stands for one) or left bare; the priority is optional.
 * Throws InputError with a one-line reason.
 */
export function parseRequestLine(line: string): NotificationRequest {
  const tokens = tokenize(line);
  if (tokens.length < 3) {
    throw new InputError(
      `expected <user_id> <channels> '<message>' [low|normal|high], got ${tokens.length} part${tokens.length === 1 ? "" : "s"}`,
    );
  }
  const [userId, channels, ...rest] = tokens as [string, string, ...string[]];
  const last = rest.at(-1) as string;
  const hasPriority =
    rest.length > 1 && (PRIORITIES as readonly string[]).includes(last.toLowerCase());
  const request: NotificationRequest = {
    userId,
    channels: splitList(channels, ","),
    message: (hasPriority ? rest.slice(0, -1) : rest).join(" "),
  };
  if (hasPriority) request.priority = last.toLowerCase();
  return request;
}

function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === " " || c === "\t") {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= line.length)
          throw new InputError(`the quote ${c} at column ${i + 1} is never closed`);
        if (line[j] === c) {
          if (line[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += line[j];
        j++;
      }
      tokens.push(value);
      i = j + 1;
      continue;
    }
    let j = i;
    while (j < line.length && line[j] !== " " && line[j] !== "\t") j++;
    tokens.push(line.slice(i, j));
    i = j;
  }
  return tokens;
}

function splitList(text: string, separator: string): string[] {
  return text
    .split(separator)
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== "");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}
