import { PROTOCOL_VERSION } from '@cinder/protocol';
import type { Bus } from '../bus/bus.ts';
import type { Storage } from '../storage/storage.ts';

/**
 * The body of `GET /healthz`. `ok` (200): the node serves and delivers. `degraded` (503): it can
 * answer its own clients, but cannot wake devices on other nodes (its bus is down) or shares its
 * database with a node it cannot reach; a load balancer should send clients elsewhere. `down`
 * (503): its database does not answer.
 */
export interface HealthBody {
  ok: boolean;
  protocol: number;
  status: 'ok' | 'degraded' | 'down';
  storage: 'ok' | 'down';
  bus: 'ok' | 'down';
  cluster: 'ok' | 'conflict';
}

/** How long each check may take before it counts as down. */
export const HEALTH_TIMEOUT_MS = 5000;

/** Checks the database (`SELECT 1`), the bus (a PING on each connection) and the cluster. */
export async function checkHealth(
  storage: Storage,
  bus: Bus,
  timeoutMs = HEALTH_TIMEOUT_MS,
): Promise<{ status: 200 | 503; body: HealthBody }> {
  const [storageUp, busUp] = await Promise.all([
    within(storage.ping(), timeoutMs),
    bus.state && !bus.state().connected ? Promise.resolve(false) : within(bus.ping?.(), timeoutMs),
  ]);
  const conflict = storage.clusterConflict?.() ?? false;
  const status = !storageUp ? 'down' : !busUp || conflict ? 'degraded' : 'ok';
  return {
    status: status === 'ok' ? 200 : 503,
    body: {
      ok: status === 'ok',
      protocol: PROTOCOL_VERSION,
      status,
      storage: storageUp ? 'ok' : 'down',
      bus: busUp ? 'ok' : 'down',
      cluster: conflict ? 'conflict' : 'ok',
    },
  };
}

/** True when `check` settles successfully within `ms`. */
async function within(check: Promise<unknown> | undefined, ms: number): Promise<boolean> {
  if (!check) return true;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([check.then(() => true), late]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
