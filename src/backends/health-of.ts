/** A backend's health report, for backends made of others (routing, failover). */
import type { Backend, BackendHealth } from "../core/backend.js";
import { errorField } from "../core/logging.js";

/** `backend.health()`, healthy with no details when it has none, unhealthy when it rejects. */
export async function healthOf(backend: Backend): Promise<BackendHealth> {
  if (backend.health === undefined) return { healthy: true, latencyMs: 0, details: {} };
  try {
    return await backend.health();
  } catch (error) {
    return { healthy: false, latencyMs: 0, details: { error: errorField(error) } };
  }
}
