import { BlockedResponse, type BlockedUser, ROUTES } from '@cinder/protocol';
import { httpRequest, joinUrl, type ServerHttp } from './http.ts';
import type { Identity } from './types.ts';

/** The users this account blocked, in the order blocked. */
export async function listBlocked(server: ServerHttp, identity: Identity): Promise<BlockedUser[]> {
  const body = await httpRequest(server.fetch, joinUrl(server.url, ROUTES.blocks), {
    method: 'GET',
    token: identity.token,
    schema: BlockedResponse,
  });
  return body.blocked;
}

/** Block `username` (`blocked: true`) or lift the block (`false`). NOT_FOUND for an unknown username. */
export async function setBlocked(
  server: ServerHttp,
  identity: Identity,
  username: string,
  blocked: boolean,
): Promise<void> {
  await httpRequest(server.fetch, joinUrl(server.url, `${ROUTES.blocks}/${encodeURIComponent(username)}`), {
    method: blocked ? 'PUT' : 'DELETE',
    token: identity.token,
  });
}
