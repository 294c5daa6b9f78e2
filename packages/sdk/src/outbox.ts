import {
  type AttachmentRequest,
  BurnRequest,
  CinderError,
  describeIssue,
  type Envelope,
  SendFrame,
} from '@cinder/protocol';
import type { Connection, RequestBody } from './connection.ts';
import type { SealedAttachment } from './crypto/envelope.ts';
import { newClientKey } from './environment.ts';
import type { Serial } from './serial.ts';
import type { Store } from './store/store.ts';
import type { Me, PendingSend, SendOptions, SentMessage } from './types.ts';

export interface OutboxOptions {
  store: Store;
  serial: Serial;
  connection: Connection;
  sendTimeoutMs: number;
  /** Background failures of sends restored from the store (no caller is waiting for them). */
  onError: (error: CinderError) => void;
  /** Seal a burn message's content to the recipient's current devices (docs/crypto.md). */
  seal: (me: Me, pending: PendingSend, file?: FileSeal) => Promise<Envelope>;
}

/** A burn attachment's part of the envelope: the content key and envelope id its blob is sealed with. */
export interface FileSeal {
  contentKey: Uint8Array<ArrayBuffer>;
  envelopeId: string;
  attachment: SealedAttachment;
}

/** The attachment of a send: the completed upload, and for a burn message what its seal needs. */
export interface FileSend {
  attachment: AttachmentRequest;
  seal?: FileSeal;
}

/** Times a burn send is sealed again when the recipient's devices changed under it (`KEYS_CHANGED`). */
const SEAL_ATTEMPTS = 3;

/**
 * Sends, made durable: each one is written to the store's outbox with a client key before it
 * goes out, sent once the connection is in sync, sent again with the same key after a
 * reconnect (the server stores a key once), and removed when the server answers.
 *
 * Closing the client keeps unanswered sends in the outbox: the next `connect()` sends them
 * (a frame may have reached the server already; the key makes that harmless). A TIMEOUT or an
 * error from the server removes the send: the caller was told, it is not retried behind its back.
 *
 * A burn message is sealed when it goes out, to the recipient's devices at that moment; its
 * plaintext is in the outbox only until the server stored the envelope.
 */
export class Outbox {
  readonly #options: OutboxOptions;
  /** Keys being sent right now, so a flush does not send them a second time. */
  readonly #active = new Set<string>();

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  async send(me: Me, to: string, text: string, options: SendOptions): Promise<SentMessage> {
    const pending = pendingSend(to, text, options);
    this.#active.add(pending.key);
    try {
      await this.#options.serial.run(() => this.#options.store.commit({ putOutbox: [pending] }));
    } catch (error) {
      this.#active.delete(pending.key);
      throw CinderError.from(error);
    }
    return this.#dispatch(me, pending);
  }

  /**
   * Send a message with an uploaded attachment. Not kept in the store's outbox: a burn
   * attachment's send needs its content key, which never goes to the store, and the upload
   * expires on the server without it (docs/media.md). Retried with its key across reconnects
   * until `sendTimeoutMs`, like any send.
   */
  async sendFile(me: Me, pending: PendingSend, file: FileSend): Promise<SentMessage> {
    this.#active.add(pending.key);
    return this.#dispatch(me, pending, file);
  }

  /** Send what a previous session left in the outbox (call once in sync). */
  async flush(me: Me): Promise<void> {
    for (const pending of await this.#options.store.listOutbox()) {
      if (this.#active.has(pending.key)) continue;
      this.#active.add(pending.key);
      this.#dispatch(me, pending).catch((error: unknown) => {
        if (error instanceof CinderError && error.code === 'DISCONNECTED') return;
        this.#options.onError(CinderError.from(error));
      });
    }
  }

  async #dispatch(me: Me, pending: PendingSend, file?: FileSend): Promise<SentMessage> {
    const { store, serial, sendTimeoutMs } = this.#options;
    try {
      const result = await this.#request(me, pending, sendTimeoutMs, file);
      const message: SentMessage = {
        id: result.id,
        conversation: result.conversation,
        from: me.username,
        to: pending.to,
        sentAt: result.sentAt,
        size: result.size,
        text: pending.text,
        ext: pending.ext ?? {},
        mine: true,
        status: 'sent',
      };
      if (result.burn) message.burn = result.burn;
      if (file) {
        const { kind, size, name, type } = file.attachment;
        message.attachment = { kind, size };
        if (name !== undefined) message.attachment.name = name;
        if (type !== undefined) message.attachment.type = type;
      }
      await serial.run(async () => {
        // A fast burn (ttl of 1 s, an instant open) may be applied before this reply:
        // never bring its text back into the store.
        const burned = await store.getTombstone(message.id);
        await store.commit({ deleteOutbox: [pending.key], putMessages: burned ? [] : [message] });
      });
      return message;
    } catch (error) {
      const failure = CinderError.from(error);
      if (failure.code !== 'DISCONNECTED') {
        await serial.run(() => store.commit({ deleteOutbox: [pending.key] })).catch(() => {});
      }
      throw failure;
    } finally {
      this.#active.delete(pending.key);
    }
  }

  /** Send it; a burn message is sealed first, and again if the recipient's devices changed meanwhile. */
  async #request(me: Me, pending: PendingSend, timeoutMs: number, file?: FileSend) {
    const { connection, seal } = this.#options;
    const burn = pending.burn;
    if (burn === undefined) {
      const body = plainBody(pending);
      if (file) body.attachment = file.attachment;
      return connection.request(body, { timeoutMs, retry: true });
    }
    for (let attempt = 1; ; attempt++) {
      const sealed = await seal(me, pending, file?.seal);
      const body: RequestBody<'send'> = { type: 'send', key: pending.key, to: pending.to, burn, sealed };
      if (file) body.attachment = file.attachment;
      try {
        return await connection.request(body, { timeoutMs, retry: true });
      } catch (error) {
        if (!(error instanceof CinderError && error.code === 'KEYS_CHANGED' && attempt < SEAL_ATTEMPTS))
          throw error;
      }
    }
  }
}

/**
 * A send as the outbox keeps it, checked: the plain content as a normal send, and the burn
 * policy on its own (a burn send carries only the envelope). BAD_REQUEST says where, never
 * echoes values (they are content).
 */
export function pendingSend(to: string, text: string, options: SendOptions): PendingSend {
  const pending: PendingSend = { key: newClientKey(), to, text, createdAt: Date.now() };
  if (options.ext !== undefined) pending.ext = options.ext;
  if (options.burn !== undefined) pending.burn = options.burn === true ? {} : options.burn;
  const plain: RequestBody<'send'> = { type: 'send', key: pending.key, to, text };
  if (pending.ext !== undefined) plain.ext = pending.ext;
  const checked = SendFrame.safeParse({ ...plain, rid: 'check' });
  if (!checked.success) throw new CinderError('BAD_REQUEST', describeIssue(checked.error, 'send'));
  const burn = BurnRequest.safeParse(pending.burn ?? {});
  if (!burn.success) throw new CinderError('BAD_REQUEST', `burn.${describeIssue(burn.error, 'burn')}`);
  return pending;
}

/** The frame of a normal send. */
function plainBody(pending: PendingSend): RequestBody<'send'> {
  const body: RequestBody<'send'> = { type: 'send', key: pending.key, to: pending.to, text: pending.text };
  if (pending.ext !== undefined) body.ext = pending.ext;
  return body;
}
