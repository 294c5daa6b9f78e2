import { type DeviceInfo, DevicesResponse, ROUTES } from '@cinder/protocol';
import { type BodySchema, httpRequest, joinUrl, type ServerHttp } from './http.ts';
import type { Identity } from './types.ts';

/** This account's signed-in devices, as the server lists them (`current` marks `identity`'s). */
export async function listDevices(server: ServerHttp, identity: Identity): Promise<DeviceInfo[]> {
  const body = await authorized(server, identity, 'GET', ROUTES.devices, DevicesResponse);
  return body.devices;
}

/**
 * Sign device `deviceId` of this account out everywhere: the server stops accepting its token
 * and closes its sockets. `deviceId` may be `identity`'s own (sign-out).
 */
export async function revokeDevice(server: ServerHttp, identity: Identity, deviceId: string): Promise<void> {
  await authorized(server, identity, 'DELETE', `${ROUTES.devices}/${encodeURIComponent(deviceId)}`);
}

function authorized<T = undefined>(
  server: ServerHttp,
  identity: Identity,
  method: string,
  path: string,
  schema?: BodySchema<T>,
): Promise<T> {
  return httpRequest(server.fetch, joinUrl(server.url, path), {
    method,
    token: identity.token,
    ...(schema ? { schema } : {}),
  });
}
