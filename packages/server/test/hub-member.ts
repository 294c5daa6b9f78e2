import type { HubMember } from '../src/core/hub.ts';

/** A connected device as the hub sees it (`m`), counting its wake-ups and noting a sign-out. */
export function hubMember(userId: string, deviceId: string) {
  const seen = { wakes: 0, revoked: false };
  const m: HubMember = {
    userId,
    deviceId,
    wake: () => {
      seen.wakes += 1;
    },
    revoke: () => {
      seen.revoked = true;
    },
  };
  return { m, seen };
}
