/**
 * `necrostack/testing`: the backend conformance suite, for a backend of your own to prove it keeps
 * the `Backend` contract and every capability it declares. Needs `vitest`, an optional peer
 * dependency that no other entry point loads.
 */

/** The suite, and what a backend implementation hands it. */
export { runBackendConformance } from "./testing/conformance.js";
export type {
  ConformanceQueue,
  ConformanceTarget,
  DeadLetter,
  QueueFeatures,
} from "./testing/target.js";
