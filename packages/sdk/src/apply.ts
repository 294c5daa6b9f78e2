import { CinderError } from '@cinder/protocol';
import type { Acks } from './acks.ts';
import type { Connection, SyncFrame } from './connection.ts';
import type { Outbox } from './outbox.ts';
import type { Serial } from './serial.ts';
import type { Session } from './session.ts';
import type { Sync } from './sync.ts';

export interface FrameApplierOptions {
  serial: Serial;
  sync: Sync;
  session: Session;
  connection: Connection;
  acks: Acks;
  outbox: Outbox;
  /** A frame could not be applied, or a send restored from the outbox failed. */
  onError: (error: CinderError) => void;
}

/**
 * Takes the connection's sync frames (welcome, events, resync, synced) onto the serial queue, in
 * arrival order, and applies each through `Sync`. On `synced` the device is in sync: the socket
 * is marked ready, `connect()` resolves, and the outbox is flushed.
 */
export class FrameApplier {
  readonly #options: FrameApplierOptions;
  /** Frames from this socket or older are ignored: applying one failed, the socket was dropped. */
  #brokenSocket = 0;

  constructor(options: FrameApplierOptions) {
    this.#options = options;
  }

  /** A sync frame arrived on socket `socketId`. */
  receive(frame: SyncFrame, socketId: number): void {
    const { serial, connection, onError } = this.#options;
    serial
      .run(async () => {
        if (socketId <= this.#brokenSocket) return;
        await this.#apply(frame, socketId);
      })
      .catch((error: unknown) => {
        // The store failed mid-event: drop this socket and its queued frames; the next hello
        // resumes from the last cursor the store holds, so no event is skipped.
        this.#brokenSocket = Math.max(this.#brokenSocket, socketId);
        onError(CinderError.from(error));
        connection.reconnect();
      });
  }

  async #apply(frame: SyncFrame, socketId: number): Promise<void> {
    const { sync, session, connection, acks, outbox, onError } = this.#options;
    const identity = session.identity;
    if (!identity) return;
    switch (frame.type) {
      case 'welcome':
        sync.reset();
        session.welcomed(frame);
        await session.rename(frame.device.name);
        return;
      case 'events':
        await sync.applyEvents(frame, identity.username);
        acks.cursorMoved();
        return;
      case 'resync':
        await sync.applyResync(frame, identity.username);
        return;
      case 'synced':
        await sync.advance(frame.cursor);
        connection.setReady(socketId);
        if (!connection.ready) return;
        acks.cursorMoved();
        session.synced();
        void outbox.flush(identity).catch((error: unknown) => onError(CinderError.from(error)));
        return;
    }
  }
}
