import {
  AccountSettings,
  type AccountSettingsBody,
  Profile,
  type ProfileBody,
  ROUTES,
} from '@cinder/protocol';
import { httpRequest, joinUrl, type ServerHttp } from './http.ts';
import type { Identity } from './types.ts';

/** The account's settings, shared by all its devices. */
export function accountSettings(server: ServerHttp, identity: Identity): Promise<AccountSettings> {
  return httpRequest(server.fetch, joinUrl(server.url, ROUTES.settings), {
    method: 'GET',
    token: identity.token,
    schema: AccountSettings,
  });
}

/** Change the settings `changes` names; resolves with all of them. */
export function changeAccountSettings(
  server: ServerHttp,
  identity: Identity,
  changes: AccountSettingsBody,
): Promise<AccountSettings> {
  return httpRequest(server.fetch, joinUrl(server.url, ROUTES.settings), {
    method: 'PUT',
    token: identity.token,
    body: changes,
    schema: AccountSettings,
  });
}

/** What others see of this account besides its username. */
export function accountProfile(server: ServerHttp, identity: Identity): Promise<Profile> {
  return httpRequest(server.fetch, joinUrl(server.url, ROUTES.profile), {
    method: 'GET',
    token: identity.token,
    schema: Profile,
  });
}

/** Set (or, with null, remove) this account's display name; resolves with the profile as stored. */
export function changeProfile(server: ServerHttp, identity: Identity, body: ProfileBody): Promise<Profile> {
  return httpRequest(server.fetch, joinUrl(server.url, ROUTES.profile), {
    method: 'PUT',
    token: identity.token,
    body,
    schema: Profile,
  });
}
