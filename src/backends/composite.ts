/** What backends made of others (routing, failover) share: their capabilities and health. */
import type { Backend, BackendCapabilities, BackendHealth } from "../core/backend.js";
import { errorField } from "../core/logging.js";

/** The capabilities an intersection of backends can declare; never `synchronous`. */
export type SharedCapability = Exclude<keyof BackendCapabilities, "synchronous">;

/** What every one of `backends` declares of `names`, and `synchronous: false`. */
export function sharedCapabilities(
  backends: readonly Backend[],
  names: readonly SharedCapability[],
): BackendCapabilities {
  const caps: Record<string, boolean> = { synchronous: false };
  for (const name of names) {
    caps[name] = backends.every((backend) => backend.capabilities[name] === true);
  }
  return Object.freeze(caps as unknown as BackendCapabilities);
}

/** `backend.health()`, healthy with no details when it has none, unhealthy when it rejects. */
export async function healthOf(backend: Backend): Promise<BackendHealth> {
  if (backend.health === undefined) return { healthy: true, latencyMs: 0, details: {} };
  try {
    return await backend.health();
  } catch (error) {
    return { healthy: false, latencyMs: 0, details: { error: errorField(error) } };
  }
}
