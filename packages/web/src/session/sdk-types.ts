import type { CinderClient } from '@cinder/sdk';

// Derived from the client's own signatures so the app follows the SDK without restating its shapes.

/** One message of this device's local copy of a conversation (`client.messages(peer)`). */
export type StoredMessage = Awaited<ReturnType<CinderClient['messages']>>[number];
/** One row of `client.conversations()`. */
export type ConversationSummary = Awaited<ReturnType<CinderClient['conversations']>>[number];
/** A placeholder left by a burn (`client.burnedMessages(peer)`); never carries content. */
export type BurnedPlaceholder = Awaited<ReturnType<CinderClient['burnedMessages']>>[number];
/** A placeholder left by a recall (`client.recalledMessages(peer)`): who recalled it and when; never content. */
export type RecallPlaceholder = Awaited<ReturnType<CinderClient['recalledMessages']>>[number];
/** The connection state of a client. */
export type ClientState = CinderClient['state'];
/** The signed-in user and device. */
export type Me = NonNullable<CinderClient['me']>;
