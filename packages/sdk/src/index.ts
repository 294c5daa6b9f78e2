export {
  type AccountSettings,
  type BlockedUser,
  CinderError,
  type DeviceInfo,
  type ErrorCode,
  type Profile,
  type PushPayload,
  type PushStatus,
} from '@cinder/protocol';
export { backoff } from './backoff.ts';
export { CinderClient, type CinderClientOptions, type ClientEvents } from './client.ts';
export { type DeviceKeys, generateDeviceKeys } from './crypto/device-keys.ts';
export { type OpenInput, openEnvelope, type SealInput, sealEnvelope } from './crypto/envelope.ts';
export { type KeyOwner, keyFingerprint, safetyNumber } from './crypto/safety-number.ts';
export type { Handler } from './emitter.ts';
export type { WebSocketConstructor, WebSocketLike } from './environment.ts';
export { type FileData, kindOf } from './files.ts';
export type { FetchLike } from './http.ts';
export type { PushSubscriptionJsonLike, PushSubscriptionLike } from './push.ts';
export { IndexedDbStore } from './store/indexeddb.ts';
export { MemoryStore } from './store/memory.ts';
export type { Store, StoreChanges } from './store/store.ts';
export type {
  Burned,
  ClientState,
  ConversationSummary,
  Identity,
  KeyChange,
  KeyStatus,
  Me,
  Message,
  MessageStatus,
  OpenedAttachment,
  OpenedMessage,
  PeerKeys,
  PendingSend,
  Recalled,
  RecallTombstone,
  Receipt,
  SendFileOptions,
  SendOptions,
  SentMessage,
  StoredMessage,
  StoredTombstone,
  Tombstone,
  UploadProgress,
} from './types.ts';
