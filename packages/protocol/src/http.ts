import { z } from 'zod';
import { DeviceName, Id, NewDeviceName, Password, PublicKey, Timestamp, Username } from './common.ts';
import { ERROR_CODES } from './errors.ts';

/** `POST /v1/accounts` (register) and `POST /v1/sessions` (login) take the same body. */
export const CredentialsBody = z.object({
  username: Username,
  password: Password,
  deviceName: NewDeviceName.optional(),
  /** The new device's X25519 public key (docs/crypto.md); a device without one cannot receive burn messages. */
  publicKey: PublicKey.optional(),
});
export type CredentialsBody = z.infer<typeof CredentialsBody>;

/**
 * Answer to register (201) and login (200): a new device and its token. The token is shown
 * once; the server keeps only its hash. Send it in `hello` and as `Authorization: Bearer`.
 */
export const SessionResponse = z.object({
  user: z.object({ id: Id, username: Username }),
  device: z.object({ id: Id, name: DeviceName }),
  token: z.string(),
});
export type SessionResponse = z.infer<typeof SessionResponse>;

export const DeviceInfo = z.object({
  id: Id,
  name: DeviceName,
  createdAt: Timestamp,
  lastSeenAt: Timestamp.nullable(),
  /** The device's X25519 public key, or null for a device signed in without one. */
  publicKey: PublicKey.nullable(),
  /** True for the device whose token made the request. */
  current: z.boolean(),
});
export type DeviceInfo = z.infer<typeof DeviceInfo>;

/** `GET /v1/devices` (Bearer): this account's devices that are signed in. */
export const DevicesResponse = z.object({ devices: z.array(DeviceInfo) });
export type DevicesResponse = z.infer<typeof DevicesResponse>;

/** Body of every HTTP error response. */
export const ErrorBody = z.object({ error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * The body of `GET /healthz` and `GET /readyz` (200 while the node can serve and deliver, else
 * 503: SPEC.md's "answers 200 when the server can serve") and of `GET /livez` (liveness: 200
 * whenever the process answers, whatever its database or bus do). `ok` is the probe's verdict;
 * `status` is the node's: `ok`; `degraded` (it serves its own clients but cannot wake devices
 * on other nodes: its bus is down, or `cluster` is `conflict`, another node shares its database
 * without a bus in common); `down` (its database does not answer).
 */
export const HealthResponse = z.object({
  ok: z.boolean(),
  protocol: z.number().int(),
  status: z.enum(['ok', 'degraded', 'down']),
  storage: z.enum(['ok', 'down']),
  bus: z.enum(['ok', 'down']),
  cluster: z.enum(['ok', 'conflict']),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

/** HTTP routes, relative to the server's base URL. `DELETE /v1/devices/:id` signs a device out. */
export const ROUTES = {
  register: '/v1/accounts',
  login: '/v1/sessions',
  devices: '/v1/devices',
  health: '/healthz',
  ready: '/readyz',
  live: '/livez',
} as const;
