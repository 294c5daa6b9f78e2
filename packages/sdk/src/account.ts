import { type ChangePasswordBody, type DeleteAccountBody, ROUTES } from '@cinder/protocol';
import { httpRequest, joinUrl, type ServerHttp } from './http.ts';
import type { Identity } from './types.ts';

/**
 * Change the account's password: `current` must be the password now (UNAUTHORIZED otherwise,
 * counted like a failed login), `password` follows the rules of registration. Every other device
 * of the account is signed out; `identity`'s device stays signed in.
 */
export async function changePassword(
  server: ServerHttp,
  identity: Identity,
  current: string,
  password: string,
): Promise<void> {
  const body: ChangePasswordBody = { current, password };
  await httpRequest(server.fetch, joinUrl(server.url, ROUTES.password), {
    method: 'POST',
    token: identity.token,
    body,
  });
}

/**
 * Delete the account on the server: `password` is checked like `changePassword`'s `current`.
 * Its burn messages burn, everything of it is deleted, and every device is signed out.
 */
export async function deleteAccount(server: ServerHttp, identity: Identity, password: string): Promise<void> {
  const body: DeleteAccountBody = { password };
  await httpRequest(server.fetch, joinUrl(server.url, ROUTES.account), {
    method: 'DELETE',
    token: identity.token,
    body,
  });
}
