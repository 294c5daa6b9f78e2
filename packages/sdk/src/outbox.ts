import { CinderError, SendFrame } from '@cinder/protocol';
import type { Connection, RequestBody } from './connection.ts';
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
}

/**
 * Sends, made durable: each one is written to the store's outbox with a client key before it
 * goes out, sent once the connection is in sync, sent again with the same key after a
 * reconnect (the server stores a key once), and removed when the server answers.
 *
 * Closing the client keeps unanswered sends in the outbox: the next `connect()` sends them
 * (a frame may have reached the server already; the key makes that harmless). A TIMEOUT or an
 * error from the server removes the send: the caller was told, it is not retried behind its back.
 */
export class Outbox {
  readonly #options: OutboxOptions;
  /** Keys being sent right now, so a flush does not send them a second time. */
  readonly #active = new Set<string>();

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  async send(me: Me, to: string, text: string, options: SendOptions): Promise<SentMessage> {
    const pending: PendingSend = { key: newClientKey(), to, text, createdAt: Date.now() };
    if (options.ext !== undefined) pending.ext = options.ext;
    if (options.burn !== undefined) pending.burn = options.burn === true ? {} : options.burn;
    const checked = SendFrame.safeParse({ ...bodyOf(pending), rid: 'check' });
    if (!checked.success) {
      // Say where the send is wrong, never echo its values (they are content).
      const issue = checked.error.issues[0];
      const where = issue?.path.map(String).join('.') || 'send';
      throw new CinderError('BAD_REQUEST', `${where}: ${issue?.message ?? 'invalid'}`);
    }
    this.#active.add(pending.key);
    try {
      await this.#options.serial.run(() => this.#options.store.commit({ putOutbox: [pending] }));
    } catch (error) {
      this.#active.delete(pending.key);
      throw CinderError.from(error);
    }
    return this.#dispatch(me, pending);
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

  async #dispatch(me: Me, pending: PendingSend): Promise<SentMessage> {
    const { store, serial, connection, sendTimeoutMs } = this.#options;
    try {
      const result = await connection.request(bodyOf(pending), { timeoutMs: sendTimeoutMs, retry: true });
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
}

function bodyOf(pending: PendingSend): RequestBody<'send'> {
  const body: RequestBody<'send'> = { type: 'send', key: pending.key, to: pending.to, text: pending.text };
  if (pending.ext !== undefined) body.ext = pending.ext;
  if (pending.burn !== undefined) body.burn = pending.burn;
  return body;
}
