import {
  CinderError,
  type DirectoryDevice,
  type Envelope,
  type Ext,
  type KeysResult,
} from '@cinder/protocol';
import type { Connection } from './connection.ts';
import { sealEnvelope } from './crypto/envelope.ts';
import { keyFingerprint, keySetId, safetyNumber } from './crypto/safety-number.ts';
import type { FileSeal } from './outbox.ts';
import type { Serial } from './serial.ts';
import type { Store } from './store/store.ts';
import type { Identity, KeyChange, KeyStatus, Me, PeerKeys } from './types.ts';

export interface KeyDirectoryOptions {
  store: Store;
  serial: Serial;
  connection: Connection;
  requestTimeoutMs: number;
  onKeyChange: (change: KeyChange) => void;
}

/**
 * Peers' device keys (docs/crypto.md, "Verification"): reads the server's key directory, remembers
 * in the store the key set each peer had, emits `keyChange` when it differs from the remembered
 * one (and drops the peer's verified mark), seals burn messages to the current keys, and computes
 * safety numbers.
 */
export class KeyDirectory {
  readonly #options: KeyDirectoryOptions;
  /** Safety numbers already computed, by both users and their key sets. */
  readonly #numbers = new Map<string, string>();

  constructor(options: KeyDirectoryOptions) {
    this.#options = options;
  }

  /** `username`'s current devices with keys, as the server lists them; checked against what this device saw. */
  async devices(
    me: Me,
    username: string,
    timeoutMs = this.#options.requestTimeoutMs,
  ): Promise<DirectoryDevice[]> {
    return (await this.entry(me, username, timeoutMs)).devices;
  }

  /** `username`'s whole directory entry (devices and display name); its devices are checked as `devices` does. */
  async entry(me: Me, username: string, timeoutMs = this.#options.requestTimeoutMs): Promise<KeysResult> {
    const result = await this.#options.connection.request(
      { type: 'keys', username },
      { timeoutMs, retry: true },
    );
    if (username !== me.username) await this.#remember(username, result.devices);
    return result;
  }

  /**
   * Seal a burn message to every current device of `to`. An attachment's send passes the content
   * key and envelope id its blob was sealed with, so a second seal (after `KEYS_CHANGED`) keeps them.
   */
  async seal(
    me: Me,
    to: string,
    content: { text: string; ext?: Ext | undefined; file?: FileSeal | undefined },
    timeoutMs?: number,
  ): Promise<Envelope> {
    const devices = await this.devices(me, to, timeoutMs);
    if (devices.length === 0) {
      throw new CinderError(
        'BAD_REQUEST',
        `${to} has no device that can receive end-to-end encrypted messages`,
      );
    }
    const { text, ext, file } = content;
    if (!file) return sealEnvelope({ from: me.username, to, text, ext, devices });
    return sealEnvelope({
      from: me.username,
      to,
      text,
      ext,
      devices,
      contentKey: file.contentKey,
      envelopeId: file.envelopeId,
      attachment: file.attachment,
    });
  }

  async status(me: Identity, username: string): Promise<KeyStatus> {
    const { theirs, number } = await this.#compute(me, username);
    const peer = await this.#options.store.getPeer(username);
    return {
      username,
      safetyNumber: number,
      verified: peer?.verified === true && peer.keySet === keySetId(theirs.map((d) => d.publicKey)),
      devices: theirs.map((d) => ({
        id: d.id,
        fingerprint: keyFingerprint(d.publicKey),
        createdAt: d.createdAt,
      })),
    };
  }

  async safetyNumber(me: Identity, username: string): Promise<string> {
    return (await this.#compute(me, username)).number;
  }

  /** Mark the current keys of `username` verified; CONFLICT if `number` is not their safety number now. */
  async markVerified(me: Identity, username: string, number: string): Promise<void> {
    const { theirs, number: current } = await this.#compute(me, username);
    if (number.replace(/\s+/g, '') !== current.replace(/\s+/g, '')) {
      throw new CinderError('CONFLICT', 'The safety number has changed: compare it again');
    }
    const keySet = keySetId(theirs.map((d) => d.publicKey));
    await this.#options.serial.run(async () => {
      const peer = await this.#options.store.getPeer(username);
      const seenAt = peer?.keySet === keySet ? peer.seenAt : Date.now();
      await this.#options.store.commit({ putPeers: [{ username, keySet, seenAt, verified: true }] });
    });
  }

  /**
   * The safety number from both directories, except this device's own key, which comes from the
   * device itself: a server that replaced it in the directory (to read what is sealed to it)
   * then makes the two sides' numbers differ, and comparing them shows it.
   */
  async #compute(me: Identity, username: string): Promise<{ theirs: DirectoryDevice[]; number: string }> {
    if (username === me.username)
      throw new CinderError('BAD_REQUEST', 'A safety number is between two users');
    const [listed, theirs] = await Promise.all([this.devices(me, me.username), this.devices(me, username)]);
    const mine = listed.filter((d) => d.id !== me.deviceId).map((d) => d.publicKey);
    if (me.keys) mine.push(me.keys.publicKey);
    const theirKeys = theirs.map((d) => d.publicKey);
    // 2 × 5,200 SHA-512 rounds: computed once per pair of key sets (apps ask again and again).
    const memo = `${me.username}\u0000${keySetId(mine)}\u0000${username}\u0000${keySetId(theirKeys)}`;
    let number = this.#numbers.get(memo);
    if (number === undefined) {
      number = safetyNumber({ username: me.username, publicKeys: mine }, { username, publicKeys: theirKeys });
      this.#numbers.set(memo, number);
    }
    return { theirs, number };
  }

  /** Remember the key set seen for a peer; a different one than before is a key change. */
  async #remember(username: string, devices: readonly DirectoryDevice[]): Promise<void> {
    const keySet = keySetId(devices.map((d) => d.publicKey));
    const { store, serial, onKeyChange } = this.#options;
    const change = await serial.run(async (): Promise<KeyChange | null> => {
      const peer = await store.getPeer(username);
      if (peer?.keySet === keySet) return null;
      const at = Date.now();
      const next: PeerKeys = { username, keySet, seenAt: at, verified: false };
      await store.commit({ putPeers: [next] });
      return peer ? { username, at, verified: peer.verified } : null;
    });
    if (change) onKeyChange(change);
  }
}
