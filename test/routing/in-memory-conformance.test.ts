import { InMemoryBackend, RoutingBackend } from "../../src/index.js";
import { runBackendConformance } from "../../src/testing.js";

runBackendConformance({
  name: "RoutingBackend over two InMemoryBackends",
  features: { consumerGroups: false, guaranteedOrder: true },
  async newQueue() {
    const routing = new RoutingBackend({
      routes: [
        { types: ["P*", "K*"], backend: new InMemoryBackend() },
        { types: ["*"], backend: new InMemoryBackend() },
      ],
    });
    // Process-local queues: every "consumer" is the same object.
    return { open: () => routing };
  },
});
