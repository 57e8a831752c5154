/**
 * Fuzzing what a RedisBackend reads: fast-check writes stream entries with a raw client, byte
 * for byte (random field names and values, invalid UTF-8, JSON of every shape, deep and large
 * payloads, headers fields of every kind, valid events mixed in), and a Spine on a RedisBackend
 * consumes them. Every entry must
 * end exactly one way, handled (the event it holds, exactly) or dead-lettered (with a reason and
 * its entry id), and the group's pending list must end empty.
 */
import { isUtf8 } from "node:buffer";
import fc from "fast-check";
import { expect, it } from "vitest";
import { Event, type JsonObject, Organ } from "../../src/index.js";
import { usePrivateRedis } from "../helpers/private-redis.js";
import { describeRedis } from "../helpers/redis-server.js";
import { pendingCount, startWorker, uniqueKey, waitUntil } from "./support.js";

const GROUP = "necrostack";
const EVENT_TYPES = ["GOOD", "ORDER_PLACED", "émoji_🎉", "型", "a b"] as const;

class Recorder extends Organ {
  readonly listensTo = EVENT_TYPES;
  readonly seen: Event[] = [];
  handle(event: Event): void {
    this.seen.push(event);
  }
}

// ---------------------------------------------------------------------------------------------
// Entries

type Field = readonly [name: Buffer, value: Buffer];

interface FuzzEntry {
  /** What the generator meant to make; shown in failures. */
  readonly kind: string;
  readonly fields: readonly Field[];
}

const utf8 = (text: string): Buffer => Buffer.from(text, "utf8");
const EVENT = utf8("event");
const HEADERS = utf8("headers");

/** Byte sequences no UTF-8 decoder may accept. */
const INVALID_UTF8: readonly (readonly number[])[] = [
  [0xff, 0xfe, 0xc3],
  [0x80],
  [0xc3],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
];

const text = fc.string({ unit: "binary", maxLength: 24 });
const loneSurrogates = fc.constantFrom("\ud800", "x\udfffy", "\udbff\ud800");
const jsonValue = fc.jsonValue({ maxDepth: 4, stringUnit: "binary" });
const flatPayload = fc.dictionary(
  fc.oneof(text, fc.constantFrom("__proto__", "constructor", "")),
  fc.oneof(jsonValue, loneSurrogates),
  { maxKeys: 6 },
) as fc.Arbitrary<JsonObject>;
/** Nested arrays around the 256-level payload depth limit. */
const deepPayload = fc.integer({ min: 1, max: 300 }).map((depth): JsonObject => {
  let value: unknown = "core";
  for (let level = 1; level < depth; level++) value = [value];
  return { deep: value } as JsonObject;
});
const largePayload = fc
  .record({ size: fc.integer({ min: 0, max: 150_000 }), unit: fc.constantFrom("x", "é", "🎉") })
  .map(({ size, unit }): JsonObject => ({ blob: unit.repeat(size) }));

interface Wire {
  id?: unknown;
  timestamp?: unknown;
  event_type?: unknown;
  payload?: unknown;
  [extra: string]: unknown;
}

const validWire: fc.Arbitrary<Wire> = fc.record({
  id: fc.uuid({ version: 4 }),
  timestamp: fc
    .date({ min: new Date("1970-01-01"), max: new Date("2100-01-01"), noInvalidDate: true })
    .map((date) => date.toISOString()),
  event_type: fc.constantFrom(...EVENT_TYPES),
  payload: fc.oneof(
    { weight: 6, arbitrary: flatPayload },
    { weight: 1, arbitrary: deepPayload },
    { weight: 1, arbitrary: largePayload },
  ),
});

/** A valid event changed in one way; some changes keep it valid (the decoder decides). */
const MUTATIONS: readonly ((wire: Wire) => Wire)[] = [
  ({ event_type: _, ...rest }) => rest,
  (wire) => ({ ...wire, event_type: "" }),
  (wire) => ({ ...wire, event_type: "  " }),
  (wire) => ({ ...wire, event_type: 42 }),
  (wire) => ({ ...wire, event_type: ` ${String(wire.event_type)} ` }),
  (wire) => ({ ...wire, id: "not-a-uuid" }),
  (wire) => ({ ...wire, id: String(wire.id).toUpperCase() }),
  (wire) => ({ ...wire, id: "6ba7b810-9dad-11d1-80b4-00c04fd430c8" }),
  ({ id: _, ...rest }) => rest,
  ({ timestamp: _, ...rest }) => rest,
  ({ payload: _, ...rest }) => rest,
  (wire) => ({ ...wire, timestamp: "yesterday" }),
  (wire) => ({ ...wire, timestamp: 1e20 }),
  (wire) => ({ ...wire, timestamp: "2024-01-15T10:30:45" }),
  (wire) => ({ ...wire, timestamp: "2024-01-15T12:30:45.123+02:00" }),
  (wire) => ({ ...wire, timestamp: Date.parse(String(wire.timestamp)) }),
  (wire) => ({ ...wire, payload: [] }),
  (wire) => ({ ...wire, payload: "text" }),
  (wire) => ({ ...wire, payload: null }),
  (wire) => ({ ...wire, colour: "red" }),
];

const otherName = fc
  .oneof(
    fc.constantFrom("body", "Event", "event ", "evento", "Headers", "", "original_id", "reason"),
    text,
  )
  .filter((name) => name !== "event" && name !== "headers")
  .map(utf8);
const randomBytes = fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes));
const anyValue = fc.oneof(text.map(utf8), randomBytes);
const otherFields = fc.array(fc.tuple(otherName, anyValue), { maxLength: 3 });

const headerName = fc
  .tuple(
    fc.constantFrom(..."abcz09"),
    fc.string({ unit: fc.constantFrom(..."az09._-"), maxLength: 10 }),
  )
  .map(([first, rest]) => first + rest);
/** A headers field's value: valid headers, headers that break a rule, any JSON, any bytes. */
const headersValue = fc.oneof(
  fc
    .dictionary(headerName, fc.oneof(text, loneSurrogates), { maxKeys: 5 })
    .map((headers) => utf8(JSON.stringify(headers))),
  fc
    .dictionary(fc.oneof(headerName, text), fc.oneof(text, jsonValue), { minKeys: 1, maxKeys: 3 })
    .map((headers) => utf8(JSON.stringify(headers))),
  fc.json({ maxDepth: 2 }).map(utf8),
  anyValue,
);

/** `fields` with `field` inserted at `at` (modulo the length). */
function insert(fields: readonly Field[], field: Field, at: number): Field[] {
  const index = at % (fields.length + 1);
  return [...fields.slice(0, index), field, ...fields.slice(index)];
}

/** The JSON text of `wire`, its payload one string with `bytes` inside it. */
function spliceInvalid(wire: Wire, bytes: readonly number[]): Buffer {
  const marker = "\u0001SPLICE\u0001";
  const json = utf8(JSON.stringify({ ...wire, payload: { text: `before${marker}after` } }));
  const escaped = utf8(JSON.stringify(marker).slice(1, -1));
  const at = json.indexOf(escaped);
  return Buffer.concat([
    json.subarray(0, at),
    Buffer.from(bytes),
    json.subarray(at + escaped.length),
  ]);
}

const entry: fc.Arbitrary<FuzzEntry> = fc.oneof(
  fc.record({ wire: validWire, extra: otherFields, at: fc.nat() }).map(({ wire, extra, at }) => ({
    kind: "valid event",
    fields: insert(extra, [EVENT, utf8(JSON.stringify(wire))], at),
  })),
  fc
    .record({ wire: validWire, headers: headersValue, twice: fc.boolean(), at: fc.nat() })
    .map(({ wire, headers, twice, at }) => ({
      kind: "event with a headers field",
      fields: insert(
        twice
          ? [[HEADERS, utf8("{}")] as Field, [HEADERS, headers] as Field]
          : [[HEADERS, headers]],
        [EVENT, utf8(JSON.stringify(wire))],
        at,
      ),
    })),
  fc.array(fc.tuple(otherName, anyValue), { minLength: 1, maxLength: 4 }).map((fields) => ({
    kind: "no event field",
    fields,
  })),
  fc.record({ value: anyValue, extra: otherFields, at: fc.nat() }).map(({ value, extra, at }) => ({
    kind: "event field not JSON",
    fields: insert(extra, [EVENT, value], at),
  })),
  fc
    .record({ json: fc.json({ maxDepth: 3 }), extra: otherFields, at: fc.nat() })
    .map(({ json, extra, at }) => ({
      kind: "event field any JSON",
      fields: insert(extra, [EVENT, utf8(json)], at),
    })),
  fc
    .record({ wire: validWire, mutation: fc.nat({ max: MUTATIONS.length - 1 }) })
    .map(({ wire, mutation }) => ({
      kind: `mutated event #${mutation}`,
      fields: [[EVENT, utf8(JSON.stringify(MUTATIONS[mutation]?.(wire)))] as Field],
    })),
  fc
    .record({
      first: fc.oneof(
        validWire.map((wire) => utf8(JSON.stringify(wire))),
        anyValue,
      ),
      second: fc.oneof(
        validWire.map((wire) => utf8(JSON.stringify(wire))),
        anyValue,
      ),
      extra: otherFields,
    })
    .map(({ first, second, extra }) => ({
      kind: "event field twice",
      fields: [[EVENT, first] as Field, ...extra, [EVENT, second] as Field],
    })),
  fc
    .record({ wire: validWire, bytes: fc.constantFrom(...INVALID_UTF8) })
    .map(({ wire, bytes }) => ({
      kind: "invalid UTF-8 in the event JSON",
      fields: [[EVENT, spliceInvalid(wire, bytes)] as Field],
    })),
  fc
    .record({
      wire: validWire,
      bytes: fc.constantFrom(...INVALID_UTF8),
      inName: fc.boolean(),
      at: fc.nat(),
    })
    .map(({ wire, bytes, inName, at }) => {
      const bad = Buffer.concat([utf8("x"), Buffer.from(bytes)]);
      const field: Field = inName ? [bad, utf8("v")] : [utf8("note"), bad];
      return {
        kind: `invalid UTF-8 in another field's ${inName ? "name" : "value"}`,
        fields: insert([field], [EVENT, utf8(JSON.stringify(wire))], at),
      };
    }),
);

/** Up to 20 entries; some valid ones written twice (the same event id in two entries). */
const entries = fc
  .tuple(fc.array(entry, { minLength: 1, maxLength: 18 }), fc.array(fc.nat(), { maxLength: 2 }))
  .map(([list, repeats]) => [
    ...list,
    ...repeats.flatMap((i) => {
      const again = list[i % list.length];
      return again?.kind === "valid event" ? [{ ...again, kind: "valid event, again" }] : [];
    }),
  ]);

// ---------------------------------------------------------------------------------------------
// What each entry must become

type Outcome =
  | { readonly handled: true; readonly wire: Wire; readonly headers: unknown }
  | { readonly handled: false; readonly utf8: boolean };

/**
 * An entry with bytes that are not UTF-8 anywhere is dead-lettered, and its reason names UTF-8
 * when that is what is wrong with it (in the event field, or an otherwise valid entry).
 * Otherwise its event is its last `event` field and its headers its last `headers` field, as Redis
 * clients that read fields into a map see them and as the dead-letter script copies them:
 * handled when they are a valid event and valid headers (or no headers field), dead-lettered
 * otherwise.
 */
function expectedOutcome(entry: FuzzEntry): Outcome {
  const field = lastEventField(entry);
  const headers = lastField(entry, HEADERS)?.toString("utf8");
  const wire = field === undefined ? undefined : validWireOf(field.toString("utf8"));
  if (entry.fields.some(([name, value]) => !isUtf8(name) || !isUtf8(value))) {
    const eventFieldBad = field !== undefined && !isUtf8(field);
    return { handled: false, utf8: eventFieldBad || wire !== undefined };
  }
  if (wire === undefined || !validHeaders(field as Buffer, headers)) {
    return { handled: false, utf8: false };
  }
  return { handled: true, wire, headers: headers === undefined ? {} : JSON.parse(headers) };
}

/** The parsed JSON when it is a valid event's wire form. */
function validWireOf(json: string): Wire | undefined {
  try {
    Event.fromJSON(json);
  } catch {
    return undefined;
  }
  return JSON.parse(json) as Wire;
}

function validHeaders(event: Buffer, headers: string | undefined): boolean {
  try {
    Event.fromJSON(event.toString("utf8"), headers);
  } catch {
    return false;
  }
  return true;
}

function lastEventField(entry: FuzzEntry): Buffer | undefined {
  return lastField(entry, EVENT);
}

function lastField(entry: FuzzEntry, name: Buffer): Buffer | undefined {
  return entry.fields.filter(([field]) => field.equals(name)).at(-1)?.[1];
}

/**
 * The event an entry holds, as the organ must see it: the same id, time, type, payload and
 * headers.
 */
function matches(event: Event, wire: Wire, headers: unknown): boolean {
  if (JSON.stringify(event.headers) !== JSON.stringify(headers)) return false;
  const { id, timestamp, event_type: type, payload } = wire;
  if (typeof id === "string" && event.id !== id.toLowerCase()) return false;
  if (timestamp !== undefined) {
    const ms = typeof timestamp === "number" ? timestamp : Date.parse(String(timestamp));
    if (event.timestampMs !== ms) return false;
  }
  if (event.eventType !== String(type).trim()) return false;
  // The JSON texts: the same keys in the same order, the same values, lone surrogates included.
  return JSON.stringify(event.payload) === JSON.stringify(payload ?? {});
}

// ---------------------------------------------------------------------------------------------

describeRedis("RedisBackend reading fuzzed stream entries", () => {
  const fixture = usePrivateRedis();

  it("handles each valid event exactly as written and dead-letters everything else, each entry once, leaving nothing pending", {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(entries, async (list) => {
        const { redis } = fixture;
        const streamKey = uniqueKey("fuzz");
        const dlqKey = `${streamKey}:dlq`;
        const organ = new Recorder();
        const worker = startWorker(
          [organ],
          { redisUrl: fixture.server.url, streamKey, claimMinIdleMs: 200, maxRetries: 2 },
          { concurrency: 4 },
        );
        const ids: string[] = [];
        try {
          for (const { fields } of list) {
            ids.push(String(await redis.call("XADD", streamKey, "*", ...fields.flat())));
          }
          await settled(streamKey, ids.at(-1) ?? "");
        } finally {
          await worker.stop();
        }

        const deadLetters = await readDeadLetters(dlqKey);
        const unmatched = [...organ.seen];
        const problems: string[] = [];
        list.forEach((entry, i) => {
          const id = ids[i] as string;
          const outcome = expectedOutcome(entry);
          const letters = deadLetters.filter((letter) => letter.originalId === id);
          const what = `entry ${i} (${entry.kind}, ${id})`;
          if (outcome.handled) {
            const at = unmatched.findIndex((event) =>
              matches(event, outcome.wire, outcome.headers),
            );
            if (at === -1) problems.push(`${what}: not handled as ${JSON.stringify(outcome.wire)}`);
            else unmatched.splice(at, 1);
            if (letters.length > 0) {
              problems.push(`${what}: dead-lettered too (${letters[0]?.reason})`);
            }
            return;
          }
          if (letters.length !== 1) {
            problems.push(`${what}: ${letters.length} dead letters, expected 1`);
            return;
          }
          const letter = letters[0] as DeadLetter;
          if (letter.reason.trim() === "") problems.push(`${what}: dead letter with no reason`);
          if (outcome.utf8 && !/UTF-8/i.test(letter.reason)) {
            problems.push(`${what}: reason does not mention UTF-8: ${letter.reason}`);
          }
          const original = lastEventField(entry) ?? Buffer.alloc(0);
          if (!letter.event.equals(original)) {
            problems.push(`${what}: dead letter's event field is not the entry's`);
          }
          const headers = lastField(entry, HEADERS);
          if (
            headers === undefined ? letter.headers !== undefined : !letter.headers?.equals(headers)
          ) {
            problems.push(`${what}: dead letter's headers field is not the entry's`);
          }
        });
        for (const event of unmatched) {
          problems.push(`handled an event no entry holds: ${JSON.stringify(event.toJSON())}`);
        }
        const known = new Set(ids);
        for (const letter of deadLetters) {
          if (!known.has(letter.originalId)) {
            problems.push(`dead letter for an unknown entry ${letter.originalId}`);
          }
        }
        const pending = await pendingCount(redis, streamKey, GROUP);
        if (pending !== 0) problems.push(`${pending} entries still pending`);
        expect(problems).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  /** Waits (bounded) until the group has been given every entry and none is pending. */
  async function settled(streamKey: string, lastId: string): Promise<void> {
    try {
      await waitUntil(
        "every entry to be read and settled",
        async () =>
          (await lastDeliveredId(streamKey)) === lastId &&
          (await pendingCount(fixture.redis, streamKey, GROUP)) === 0,
        5_000,
      );
    } catch {
      // The assertions below say what is missing.
    }
  }

  async function lastDeliveredId(streamKey: string): Promise<string | undefined> {
    const groups = (await fixture.redis.xinfo("GROUPS", streamKey)) as unknown[][];
    for (const flat of groups) {
      const at = flat.indexOf("last-delivered-id");
      if (flat[flat.indexOf("name") + 1] === GROUP && at !== -1) return String(flat[at + 1]);
    }
    return undefined;
  }

  interface DeadLetter {
    readonly originalId: string;
    readonly reason: string;
    readonly event: Buffer;
    readonly headers: Buffer | undefined;
  }

  async function readDeadLetters(dlqKey: string): Promise<DeadLetter[]> {
    const raw = (await fixture.redis.xrangeBuffer(dlqKey, "-", "+")) as [Buffer, Buffer[]][];
    return raw.map(([, flat]) => {
      const fields = new Map<string, Buffer>();
      for (let i = 0; i + 1 < flat.length; i += 2) {
        fields.set((flat[i] as Buffer).toString(), flat[i + 1] as Buffer);
      }
      return {
        originalId: fields.get("original_id")?.toString() ?? "",
        reason: fields.get("reason")?.toString() ?? "",
        event: fields.get("event") ?? Buffer.alloc(0),
        headers: fields.get("headers"),
      };
    });
  }
});
