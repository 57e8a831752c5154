/**
 * The soak's organs, run by `necrostack worker --organs bench/soak/organs.ts` (the built CLI with
 * tsx as the TypeScript loader). A two-hop chain: START {n} -> DONE {n, cause: <START id>}.
 *
 * Every handler run records itself in Redis on a side connection, outside the commit, so runs
 * that are never committed (the worker was killed first) are counted too:
 * - `soak:runs`: hash event type -> handler runs (reruns included)
 * - `soak:runs:by-worker`: hash worker -> handler runs
 * - `soak:seen:START`, `soak:seen:DONE`: bitmaps, bit n set once START n / a DONE for n was handled
 *
 * Configured by environment variables: SOAK_REDIS_URL (required) and SOAK_WORKER.
 */
import { Redis } from "ioredis";
import type { Event as EventClass } from "../../src/index.js";
import { loadBuilt } from "../lib/built.js";
import { RECORD_KEYS } from "./keys.js";

type Start = EventClass<"START", { n: number }>;
type Done = EventClass<"DONE", { n: number; cause: string }>;

const url = process.env.SOAK_REDIS_URL;
if (url === undefined || url === "") throw new Error("SOAK_REDIS_URL must be set");
const worker = process.env.SOAK_WORKER ?? `pid-${process.pid}`;

// The same dist/ module the CLI runs: the Spine only takes events made by its own Event class.
const { Event, Organ } = await loadBuilt();
// Waits through a Redis restart instead of failing the handler.
const redis = new Redis(url, { maxRetriesPerRequest: null });
// The worker logs the outage on its own connections; this one only waits it out.
redis.on("error", () => {});

async function record(type: "START" | "DONE", n: number): Promise<void> {
  await redis
    .multi()
    .hincrby(RECORD_KEYS.runs, type, 1)
    .hincrby(RECORD_KEYS.runsByWorker, worker, 1)
    .setbit(RECORD_KEYS.seen(type), n, 1)
    .exec();
}

class StartOrgan extends Organ<Start> {
  readonly listensTo = ["START"] as const;

  async handle(event: Start): Promise<Done> {
    await record("START", event.payload.n);
    return new Event("DONE", { n: event.payload.n, cause: event.id });
  }
}

class DoneOrgan extends Organ<Done> {
  readonly listensTo = ["DONE"] as const;

  async handle(event: Done): Promise<void> {
    await record("DONE", event.payload.n);
  }
}

export default [new StartOrgan(), new DoneOrgan()];

/** Called by the worker once it has stopped. */
export async function close(): Promise<void> {
  await redis.quit();
}
