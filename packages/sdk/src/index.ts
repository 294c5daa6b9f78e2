export { CinderError, type DeviceInfo, type ErrorCode } from '@cinder/protocol';
export { backoff } from './backoff.ts';
export { CinderClient, type CinderClientOptions, type ClientEvents } from './client.ts';
export type { Handler } from './emitter.ts';
export type { WebSocketConstructor, WebSocketLike } from './environment.ts';
export type { FetchLike } from './http.ts';
export { IndexedDbStore } from './store/indexeddb.ts';
export { MemoryStore } from './store/memory.ts';
export type { Store, StoreChanges } from './store/store.ts';
export type {
  Burned,
  ClientState,
  ConversationSummary,
  Identity,
  Me,
  Message,
  MessageStatus,
  OpenedMessage,
  PendingSend,
  Receipt,
  SendOptions,
  SentMessage,
  StoredMessage,
  Tombstone,
} from './types.ts';
