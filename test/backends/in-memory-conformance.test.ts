import { InMemoryBackend } from "../../src/index.js";
import { runBackendConformance } from "../../src/testing.js";

runBackendConformance({
  name: "InMemoryBackend",
  features: { consumerGroups: false, guaranteedOrder: true },
  async newQueue() {
    const backend = new InMemoryBackend();
    // One process-local queue: every "consumer" is the same object.
    return { open: () => backend };
  },
});
