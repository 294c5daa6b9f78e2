import type {
  AttachmentKind,
  AttachmentView,
  BurnPolicy,
  BurnReason,
  BurnRequest,
  Ext,
  ReceiptType,
} from '@cinder/protocol';
import type { DeviceKeys } from './crypto/device-keys.ts';

export type { DeviceKeys };

/**
 * A message as a device sees it. `text` is absent (and `ext` is `{}`) on a sealed burn message:
 * its content leaves the server only in the reply to `open`.
 */
export type Message = {
  id: string;
  /** `dm:<a>:<b>`, the two usernames sorted. */
  conversation: string;
  from: string;
  to: string;
  /** Server time, ms since the epoch. */
  sentAt: number;
  /** Present on a burn message; `expiresAt` is the server's deadline for an unopened message. */
  burn?: BurnPolicy;
  /** Byte length of the content, so a sealed message can still be drawn at the right size. */
  size: number;
  text?: string;
  ext: Ext;
  /**
   * The message's attachment. A burn message's shows `kind` and `size` only (the size of its
   * ciphertext): its name and type are sealed with the text until the open.
   */
  attachment?: AttachmentView;
};

/** Delivery state of a message this account sent, as far as this device has heard. */
export type MessageStatus = 'sent' | 'delivered' | 'read';

/** A message in this device's local store. */
export type StoredMessage = Message & {
  /** True when this account sent it (from this device or another one). */
  mine: boolean;
  /** Own messages only. */
  status?: MessageStatus;
  /** Received messages only: when this device read or opened it. */
  readAt?: number;
};

/** What `send` resolves with: the stored copy of the message, with the server's id. */
export type SentMessage = StoredMessage;

/** What `open` returns. For a burn message this is the only copy of the content anywhere. */
export type OpenedMessage = {
  id: string;
  text: string;
  ext: Ext;
  /** View window of a burn message (0 = until the reader closes it); absent for a normal message. */
  viewSeconds?: number;
  /** The attachment's bytes. For a burn message this is the only copy anywhere, returned once. */
  attachment?: OpenedAttachment;
};

/** An attachment as `open` and `attachment` return it. */
export type OpenedAttachment = {
  kind: AttachmentKind;
  /** The file name the sender gave (`attachment` for a sender that gave none). */
  name: string;
  /** MIME type (`application/octet-stream` when the sender gave none). */
  type: string;
  data: Uint8Array<ArrayBuffer>;
};

/** Options of `sendFile`. */
export type SendFileOptions = {
  /** File name shown to the recipient. @default the `File`'s name, else `attachment` */
  name?: string;
  /** MIME type. @default the `Blob`'s type, else `application/octet-stream` */
  type?: string;
  /** What the bubble shows before it is opened. @default from `type`: image/*, audio/* (voice), video/*, else file */
  kind?: AttachmentKind;
  /** A caption sent with the file (sealed with it for a burn message). */
  text?: string;
  /** Make it a burn message, as in `send`. */
  burn?: true | BurnRequest;
  ext?: Ext;
  /** Cancels the upload (`CANCELLED`; the server's partial copy is deleted). */
  signal?: AbortSignal;
  /** Called after each stored chunk; the `upload` event reports the same. */
  onProgress?: (progress: UploadProgress) => void;
};

/** The `upload` event: progress of a `sendFile`. */
export type UploadProgress = {
  /** The send's client key (the `key` of the message's outbox entry). */
  key: string;
  to: string;
  /** Bytes the server holds (of the sealed file, for a burn message). */
  sent: number;
  total: number;
};

/** Options of `send`. */
export type SendOptions = {
  /** Make it a burn message. `true` takes the server's defaults (ttl 7 days, view window 0). */
  burn?: true | BurnRequest;
  /** App attributes passed through untouched (a JSON object, at most 4 KiB). */
  ext?: Ext;
};

/** The `receipt` event: the peer received or read one of this account's messages. */
export type Receipt = {
  messageId: string;
  conversation: string;
  type: ReceiptType;
  /** The recipient's username. */
  by: string;
  at: number;
};

/** The `burned` event: a message was destroyed everywhere. Never carries content. */
export type Burned = {
  messageId: string;
  conversation: string;
  reason: BurnReason;
  at: number;
};

/**
 * The `recalled` event: the sender recalled a normal message (消息撤回); every device of both
 * users dropped its copy. Never carries content.
 */
export type Recalled = {
  messageId: string;
  conversation: string;
  /** The sender's username: who recalled it. */
  by: string;
  at: number;
};

/** Local placeholder of a burned message, kept so the app can draw "message burned". Never content. */
export type Tombstone = {
  id: string;
  conversation: string;
  from?: string;
  to?: string;
  sentAt?: number;
  reason: BurnReason;
  at: number;
};

/**
 * Local placeholder of a recalled message (消息撤回), kept so the app can draw "alice recalled a
 * message" after a restart. Never content. `from`, `to` and `sentAt` are there when this device
 * held the message before the recall.
 */
export type RecallTombstone = {
  id: string;
  conversation: string;
  from?: string;
  to?: string;
  sentAt?: number;
  reason: 'recalled';
  /** The sender's username: who recalled it. */
  by: string;
  /** When it was recalled (the server's time once its `recalled` event arrived). */
  at: number;
};

/** What a store's tombstone records hold: burn placeholders and recall placeholders, told apart by `reason`. */
export type StoredTombstone = Tombstone | RecallTombstone;

/** One line of the conversation list. */
export type ConversationSummary = {
  conversation: string;
  /** The other participant's username. */
  peer: string;
  /** Newest of: a stored message's `sentAt`, a burn or recall placeholder's `at`. */
  lastActivityAt: number;
  /** Newest stored message (sealed burn messages have no `text`). */
  lastMessage?: StoredMessage;
  /** Received normal messages not read on this device. */
  unread: number;
  /** Received burn messages not yet opened. */
  sealed: number;
};

/** The signed-in device. */
export type Me = {
  userId: string;
  username: string;
  deviceId: string;
  deviceName: string;
};

/** What a store keeps to resume a device: `Me` plus the server and the device token. */
export type Identity = Me & {
  /** Base URL of the server this device belongs to. */
  url: string;
  /** Device token; a secret, sent in `hello` and as a Bearer token. */
  token: string;
  /** The device's key pair (docs/crypto.md); absent for a device signed in before keys existed. */
  keys?: DeviceKeys;
};

/** What this device last saw of a peer's device keys (kept in the store). */
export type PeerKeys = {
  username: string;
  /** `keySetId` of the peer's public keys as last seen. */
  keySet: string;
  /** When that key set was first seen. */
  seenAt: number;
  /** True when the user marked this key set verified (`markVerified`). */
  verified: boolean;
};

/** The `keyChange` event: a peer's device keys differ from the ones this device saw before. */
export type KeyChange = {
  username: string;
  at: number;
  /** True when the keys that were replaced had been marked verified. */
  verified: boolean;
};

/** A peer's keys as `keyStatus` reports them. */
export type KeyStatus = {
  username: string;
  /** The conversation's safety number: 60 digits in 12 groups of 5. */
  safetyNumber: string;
  /** True when the current keys are the ones marked verified. */
  verified: boolean;
  /** The peer's devices that have a key, with each key's fingerprint. */
  devices: Array<{ id: string; fingerprint: string; createdAt: number }>;
};

/** A send waiting in the outbox until the server stores it. Retried with the same `key`. */
export type PendingSend = {
  /** Client-generated idempotency key; the server stores a retried key once. */
  key: string;
  to: string;
  text: string;
  ext?: Ext;
  burn?: BurnRequest;
  createdAt: number;
};

/**
 * Connection state of a client.
 * `connected` means in sync: the backlog is applied and events arrive live.
 * `unauthorized` is final until the next `login`/`register`: the device was revoked.
 */
export type ClientState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed' | 'unauthorized';
