import { z } from 'zod';
import { DeviceName, Id, NewDeviceName, Password, PublicKey, Timestamp, Username } from './common.ts';
import { DisplayName } from './display-name.ts';
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
 * `POST /v1/account/password` (Bearer): change the account's password. `current` is checked like a
 * login's password (a wrong one is UNAUTHORIZED and counts against the account's sign-in limit);
 * `password` follows the rules of registration. On success (204) every other device of the
 * account is signed out; the device that asked stays signed in.
 */
export const ChangePasswordBody = z.object({
  current: z.string().max(256),
  password: Password,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

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

/**
 * `GET /v1/account/settings` (Bearer): the account's settings, shared by all its devices.
 * `PUT /v1/account/settings` with some of them (`AccountSettingsBody`) changes those and answers
 * with all of them. `readReceipts` false: this account's reads and opens of normal messages send
 * no `read` receipt (delivered receipts and burns are unchanged); it is not reciprocal.
 */
export const AccountSettings = z.object({ readReceipts: z.boolean() });
export type AccountSettings = z.infer<typeof AccountSettings>;

/** The body of `PUT /v1/account/settings`: the settings to change. */
export const AccountSettingsBody = AccountSettings.partial().strict();
export type AccountSettingsBody = z.infer<typeof AccountSettingsBody>;

/**
 * `DELETE /v1/account` (Bearer): delete the account (204). `password` is checked like
 * `ChangePasswordBody.current`. Its burn messages burn (the other side hears `burned`), everything
 * else of it is deleted, and every device of it is signed out.
 */
export const DeleteAccountBody = z.object({ password: z.string().max(256) });
export type DeleteAccountBody = z.infer<typeof DeleteAccountBody>;

/**
 * `GET /v1/account/profile` (Bearer): what other users see of this account besides its username.
 * `PUT` with `ProfileBody` changes it and answers with it. Others read it in the key directory
 * (`keys`), which a chat reads before it opens anyway.
 */
export const Profile = z.object({ displayName: z.string().nullable() });
export type Profile = z.infer<typeof Profile>;

/** The body of `PUT /v1/account/profile`: a display name (normalised, `DisplayName`), or null to remove it. */
export const ProfileBody = z.object({ displayName: DisplayName.nullable() });
export type ProfileBody = z.input<typeof ProfileBody>;

/** A user this account blocked (docs/accounts.md on the server). */
export const BlockedUser = z.object({ username: Username, at: Timestamp });
export type BlockedUser = z.infer<typeof BlockedUser>;

/**
 * `GET /v1/blocks` (Bearer): the users this account blocked, in the order blocked.
 * `PUT /v1/blocks/:username` blocks one (204; again is a no-op), `DELETE /v1/blocks/:username`
 * lifts the block (204, also when there was none); both are NOT_FOUND for an unknown username.
 * A blocked user's sends and key directory reads (`keys`) get the answer an unknown username
 * gets; nothing tells them.
 */
export const BlockedResponse = z.object({ blocked: z.array(BlockedUser) });
export type BlockedResponse = z.infer<typeof BlockedResponse>;

/**
 * `POST /v1/uploads` (Bearer): start a chunked upload of `size` bytes. A size over the server's
 * `--max-upload` is PAYLOAD_TOO_LARGE before anything is stored.
 */
export const UploadCreateBody = z.object({ size: z.number().int().positive() });
export type UploadCreateBody = z.infer<typeof UploadCreateBody>;

/**
 * An upload's state: the answer to `POST /v1/uploads` (201), `GET /v1/uploads/:id` and
 * `PUT /v1/uploads/:id?offset=<n>` (200). `received` is the bytes stored so far: where the next
 * PUT (and a resume after a dropped connection) starts. `chunkBytes` is the chunk size clients
 * should send; `expiresAt` is when an upload never attached to a message is removed.
 */
export const UploadStatus = z.object({
  id: Id,
  size: z.number().int().nonnegative(),
  received: z.number().int().nonnegative(),
  chunkBytes: z.number().int().positive(),
  expiresAt: Timestamp,
});
export type UploadStatus = z.infer<typeof UploadStatus>;

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

/**
 * HTTP routes, relative to the server's base URL. `DELETE /v1/devices/:id` signs a device out;
 * `DELETE /v1/account` deletes the account (`DeleteAccountBody`, 204);
 * `POST /v1/account/password` changes the password (`ChangePasswordBody`, 204); `GET /v1/blocks`,
 * and `PUT` / `DELETE` on `/v1/blocks/:username` (`BlockedResponse`); `GET` and `PUT` on
 * `/v1/account/settings` (`AccountSettings`) and on `/v1/account/profile` (`Profile`).
 * Uploads: `POST /v1/uploads`, then `GET`, `PUT ?offset=<n>` (`application/octet-stream`) and
 * `DELETE` (cancel, 204) on `/v1/uploads/:id`. `GET /v1/messages/:id/blob` (Bearer): the bytes of a
 * live message's attachment, for its sender's and recipient's devices (`Range: bytes=a-b` → 206);
 * anything else (burned, unknown, not theirs, no attachment) is the same 404 NOT_FOUND.
 * Web Push (push.ts): `GET /v1/push/key`; `GET`, `PUT` and `DELETE` (204, also when there was none)
 * on `/v1/push/subscription`; `PUT /v1/push/preferences`.
 */
export const ROUTES = {
  register: '/v1/accounts',
  login: '/v1/sessions',
  devices: '/v1/devices',
  account: '/v1/account',
  password: '/v1/account/password',
  blocks: '/v1/blocks',
  settings: '/v1/account/settings',
  profile: '/v1/account/profile',
  uploads: '/v1/uploads',
  messageBlob: '/v1/messages/:id/blob',
  pushKey: '/v1/push/key',
  pushSubscription: '/v1/push/subscription',
  pushPreferences: '/v1/push/preferences',
  health: '/healthz',
  ready: '/readyz',
  live: '/livez',
} as const;
