import { InMemoryBackend } from "../../src/index.js";
import { runBackendConformance } from "./conformance.js";

runBackendConformance({
  name: "InMemoryBackend",
  features: {
    persistent: false,
    consumerGroups: false,
    guaranteedOrder: true,
    canRestart: false,
    redelivers: false,
  },
  async newQueue() {
    const backend = new InMemoryBackend();
    // One process-local queue: every "consumer" is the same object.
    return () => backend;
  },
});
