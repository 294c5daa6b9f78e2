import { CinderError, UPLOAD_CHUNK_BYTES, type UploadStatus } from '@cinder/protocol';
import type { Storage, UploadRecord } from '../storage/storage.ts';
import type { DeviceIdentity } from './accounts.ts';
import { newId } from './ids.ts';
import type { RateLimiter } from './rate-limit.ts';

/** Everyone but the upload's device, for an upload of another device and a made-up id alike. */
const NOT_FOUND = 'No such upload';

/**
 * Chunked, resumable uploads (docs/media.md): a device starts one with its size, appends its
 * bytes at the offset stored so far, asks where to resume after a dropped connection, or cancels.
 * An upload is its device's alone: to anyone else it does not exist. Uploads expire `ttlSeconds`
 * after they start (the sweeper removes them).
 */
export class Uploads {
  readonly #storage: Storage;
  readonly #now: () => number;
  readonly #maxBytes: number;
  readonly #ttlMs: number;
  readonly #limiter: RateLimiter | null;

  constructor(options: {
    storage: Storage;
    now: () => number;
    maxBytes: number;
    ttlSeconds: number;
    /** Upload bytes a device may start per second; null: unlimited. */
    limiter?: RateLimiter | null;
  }) {
    this.#storage = options.storage;
    this.#limiter = options.limiter ?? null;
    this.#now = options.now;
    this.#maxBytes = options.maxBytes;
    this.#ttlMs = options.ttlSeconds * 1000;
  }

  /**
   * Start an upload of `size` bytes; PAYLOAD_TOO_LARGE over the limit, RATE_LIMITED when the
   * device started more bytes than its budget lately (a full disk is everyone's outage), both
   * before anything is stored.
   */
  async create(who: DeviceIdentity, size: number): Promise<UploadStatus> {
    if (size > this.#maxBytes) {
      throw new CinderError('PAYLOAD_TOO_LARGE', `Uploads are limited to ${this.#maxBytes} bytes`);
    }
    if (this.#limiter && !this.#limiter.tryTake(who.deviceId, size)) {
      throw new CinderError('RATE_LIMITED', 'Too many upload bytes from this device: try again shortly');
    }
    const now = this.#now();
    const upload = {
      id: newId('f'),
      deviceId: who.deviceId,
      size,
      createdAt: now,
      expiresAt: now + this.#ttlMs,
    };
    await this.#storage.uploads.create(upload);
    return statusOf({ ...upload, received: 0, messageId: null });
  }

  async status(who: DeviceIdentity, id: string): Promise<UploadStatus> {
    return statusOf(await this.#own(who, id));
  }

  /**
   * Store `bytes` at `offset`: CONFLICT (saying the offset to resume at) unless `offset` is the
   * bytes stored so far, PAYLOAD_TOO_LARGE if they would pass the upload's size. Nothing is
   * stored unless it answers.
   */
  async append(who: DeviceIdentity, id: string, offset: number, bytes: Uint8Array): Promise<UploadStatus> {
    await this.#own(who, id);
    const outcome = await this.#storage.uploads.append(id, offset, bytes);
    switch (outcome.kind) {
      case 'appended':
        return statusOf(outcome.upload);
      case 'offset':
        throw new CinderError(
          'CONFLICT',
          `This upload has ${outcome.received} bytes: send the next ones at offset ${outcome.received}`,
        );
      case 'past-size':
        throw new CinderError('PAYLOAD_TOO_LARGE', 'These bytes would pass the size of the upload');
      case 'missing':
        throw new CinderError('NOT_FOUND', NOT_FOUND);
    }
  }

  /** Cancel: the upload and its bytes are removed. */
  async cancel(who: DeviceIdentity, id: string): Promise<void> {
    await this.#own(who, id);
    await this.#storage.uploads.delete(id);
  }

  /**
   * The upload, if it is this device's, unexpired and not attached to a message (then it is that
   * message's blob); NOT_FOUND otherwise.
   */
  async #own(who: DeviceIdentity, id: string): Promise<UploadRecord> {
    const upload = await this.#storage.uploads.get(id);
    if (
      !upload ||
      upload.deviceId !== who.deviceId ||
      upload.messageId !== null ||
      upload.expiresAt <= this.#now()
    ) {
      throw new CinderError('NOT_FOUND', NOT_FOUND);
    }
    return upload;
  }
}

/**
 * Check that `attachment` may become the blob of a message `who` sends: NOT_FOUND unless the
 * upload is this device's (and unexpired), BAD_REQUEST unless it is complete and of the size the
 * frame says. An upload attached already passes: a retried send gets its first result, and any
 * other send is refused by the storage, which attaches it in the send's transaction.
 */
export async function checkAttachable(
  storage: Storage,
  now: number,
  who: DeviceIdentity,
  attachment: { upload: string; size: number },
): Promise<void> {
  const upload = await storage.uploads.get(attachment.upload);
  if (!upload || upload.deviceId !== who.deviceId) throw new CinderError('NOT_FOUND', NOT_FOUND);
  if (upload.messageId !== null) return;
  if (upload.expiresAt <= now) throw new CinderError('NOT_FOUND', NOT_FOUND);
  if (upload.received !== upload.size) throw new CinderError('BAD_REQUEST', 'The upload is not complete');
  if (upload.size !== attachment.size) {
    throw new CinderError('BAD_REQUEST', 'The attachment size is not the size of the upload');
  }
}

function statusOf(upload: UploadRecord): UploadStatus {
  return {
    id: upload.id,
    size: upload.size,
    received: upload.received,
    chunkBytes: UPLOAD_CHUNK_BYTES,
    expiresAt: upload.expiresAt,
  };
}
