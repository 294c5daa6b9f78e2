import { Username } from '@cinder/protocol';

/**
 * What the service worker posts to a window of the app when a notification is clicked: open the
 * chat with `peer`. The page moves its hash route; the worker does not navigate the window, since
 * a navigation could reload it and lose an opened burn message that lives only in the page.
 */
export interface OpenChatMessage {
  type: 'cinder:open-chat';
  peer: string;
}

/** The message that opens the chat with `peer`. */
export function openChatMessage(peer: string): OpenChatMessage {
  return { type: 'cinder:open-chat', peer };
}

/** The peer of an {@link OpenChatMessage}, or null for any other message (or a peer that is no username). */
export function peerToOpen(data: unknown): string | null {
  if (typeof data !== 'object' || data === null) return null;
  const { type, peer } = data as Record<string, unknown>;
  if (type !== 'cinder:open-chat') return null;
  const parsed = Username.safeParse(peer);
  return parsed.success ? parsed.data : null;
}

/** The app's URL that opens the chat with `peer` (the app's routes are hash routes). */
export function chatUrl(peer: string): string {
  return `/#/c/${encodeURIComponent(peer)}`;
}
