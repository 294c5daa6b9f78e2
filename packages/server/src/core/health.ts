import { type HealthResponse, PROTOCOL_VERSION } from '@cinder/protocol';
import type { Bus } from '../bus/bus.ts';
import type { Storage } from '../storage/storage.ts';

/** How long each check of `/healthz` and `/readyz` may take before it counts as down. */
export const READY_TIMEOUT_MS = 5000;

/**
 * How long each check of `/livez` may take before it counts as down: a liveness probe is
 * answered within about this, whatever the database does (its body only reports; its status is
 * 200 while the process answers).
 */
export const LIVE_TIMEOUT_MS = 1000;

/** A probe's answer: the status and the `HealthResponse` body. */
export interface Probe {
  status: 200 | 503;
  body: HealthResponse;
}

/**
 * The checks behind both probes: the database (`SELECT 1`), the bus (a PING on each connection;
 * none while one is known to be down) and the cluster (no node on the database it cannot wake).
 * `status`: `ok` when all pass; `degraded` when the node answers its own clients but cannot wake
 * devices on other nodes (bus down, or a cluster conflict); `down` when the database does not
 * answer in time.
 */
async function nodeState(storage: Storage, bus: Bus, timeoutMs: number): Promise<Omit<HealthResponse, 'ok'>> {
  const [storageUp, busUp] = await Promise.all([
    within(storage.ping(), timeoutMs),
    bus.state && !bus.state().connected ? Promise.resolve(false) : within(bus.ping?.(), timeoutMs),
  ]);
  const conflict = storage.clusterConflict?.() ?? false;
  return {
    protocol: PROTOCOL_VERSION,
    status: !storageUp ? 'down' : !busUp || conflict ? 'degraded' : 'ok',
    storage: storageUp ? 'ok' : 'down',
    bus: busUp ? 'ok' : 'down',
    cluster: conflict ? 'conflict' : 'ok',
  };
}

/**
 * `GET /healthz` and `GET /readyz`: 200 while the node can serve and deliver (every check
 * passes), else 503, which takes it out of a load balancer's rotation until it recovers.
 */
export async function checkReady(storage: Storage, bus: Bus, timeoutMs = READY_TIMEOUT_MS): Promise<Probe> {
  const state = await nodeState(storage, bus, timeoutMs);
  const ok = state.status === 'ok';
  return { status: ok ? 200 : 503, body: { ok, ...state } };
}

/**
 * `GET /livez`: liveness. 200 whenever the process answers, whatever its database or bus do
 * (restarting it would not bring them back); the body reports them, as `/readyz` would.
 */
export async function checkLive(storage: Storage, bus: Bus, timeoutMs = LIVE_TIMEOUT_MS): Promise<Probe> {
  return { status: 200, body: { ok: true, ...(await nodeState(storage, bus, timeoutMs)) } };
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
