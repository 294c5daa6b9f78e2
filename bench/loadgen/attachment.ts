import { Agent, request } from 'node:http';
import { ROUTES, type UploadStatus } from '@cinder/protocol';
import { BLOB_CHUNK_BYTES, blobKey, openBlob, sealBlob } from '../../packages/sdk/src/crypto/blob.ts';
import {
  newContentKey,
  newEnvelopeId,
  type SealedAttachment,
} from '../../packages/sdk/src/crypto/envelope.ts';
import { chunkEnd } from '../../packages/sdk/src/upload.ts';

/**
 * The attachment side of the burn cycle (docs/media.md): the file a message carries, sealed as the
 * SDK's `sendFile` seals a burn file (a content key K and an envelope id made first, the bytes
 * sealed with `blobKey(K)` in chunks of `BLOB_CHUNK_BYTES`, the envelope sealed later with the
 * same K and id), and the HTTP the cycle speaks: `POST /v1/uploads`, `PUT …?offset=n` per chunk,
 * `GET /v1/messages/:id/blob`.
 */

/** The kind, name and type every benchmark attachment carries (kind in clear, name and type sealed). */
export const FILE_KIND = 'file';
const FILE_NAME = 'bench.bin';
const FILE_TYPE = 'application/octet-stream';

/**
 * The file of one message: `body` with the message's text (which carries the run's marker and
 * the message number) written over its first bytes, so every file differs and can be rebuilt
 * from the text to check what the recipient decrypted.
 */
export function fileBytes(text: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(body.length);
  out.set(body);
  const head = new TextEncoder().encode(text);
  out.set(head.subarray(0, body.length));
  return out;
}

/** True when `a` and `b` hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** A file sealed before its envelope: the key and id the envelope must take, the ciphertext to upload. */
export interface SealedFile {
  contentKey: Uint8Array<ArrayBuffer>;
  envelopeId: string;
  /** What the envelope carries of the file (name, type, plain size, chunk size). */
  attachment: SealedAttachment;
  /** The sealed blob: what goes up and comes down. */
  blob: Uint8Array<ArrayBuffer>;
}

/** Seal `plain` as the SDK's `uploadFile` does for a burn message. */
export async function sealFile(plain: Uint8Array<ArrayBuffer>): Promise<SealedFile> {
  const contentKey = newContentKey();
  const envelopeId = newEnvelopeId();
  const blob = await sealBlob(await blobKey(contentKey), envelopeId, plain, BLOB_CHUNK_BYTES);
  return {
    contentKey,
    envelopeId,
    attachment: { name: FILE_NAME, type: FILE_TYPE, size: plain.length, chunkBytes: BLOB_CHUNK_BYTES },
    blob,
  };
}

/** Decrypt a downloaded blob with the blob key `openEnvelope` gave; throws `DECRYPT_FAILED`. */
export function openFile(
  key: CryptoKey,
  envelopeId: string,
  blob: Uint8Array<ArrayBuffer>,
  attachment: SealedAttachment,
): Promise<Uint8Array<ArrayBuffer>> {
  return openBlob(key, envelopeId, blob, attachment.chunkBytes);
}

/** An HTTP request that failed: its status and the server's error code (`BAD_REQUEST`, …). */
export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`HTTP ${status} ${code}`);
    this.name = 'HttpFailure';
  }
}

/** The error code of a failed response's body (`{ error: { code } }`), or `HTTP_<status>`. */
export function errorCode(status: number, body: string): string {
  try {
    const code = (JSON.parse(body) as { error?: { code?: unknown } }).error?.code;
    if (typeof code === 'string') return code;
  } catch {
    // not JSON: fall through
  }
  return `HTTP_${status}`;
}

/**
 * The load generator's HTTP client for uploads and blobs: `node:http` over keep-alive sockets
 * (much less CPU per request than `fetch`), one pool for every device of the process, as thin as
 * the WebSocket side.
 */
export class BlobHttp {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512 });
  /** Bytes sent in upload bodies and received in blob downloads. */
  uploadedBytes = 0;
  downloadedBytes = 0;

  constructor(private readonly url: string) {}

  /** Upload `blob` in chunks of the server's `chunkBytes` as the SDK cuts them (`chunkEnd`); resolves with the upload id. */
  async upload(token: string, blob: Uint8Array): Promise<string> {
    let status = JSON.parse(
      (
        await this.call('POST', ROUTES.uploads, token, JSON.stringify({ size: blob.length }), 'json')
      ).toString(),
    ) as UploadStatus;
    const path = `${ROUTES.uploads}/${encodeURIComponent(status.id)}`;
    while (status.received < status.size) {
      const from = status.received;
      const chunk = blob.subarray(from, chunkEnd(from, status.size, status.chunkBytes));
      const answer = await this.call('PUT', `${path}?offset=${from}`, token, chunk, 'octets');
      this.uploadedBytes += chunk.length;
      status = JSON.parse(answer.toString()) as UploadStatus;
      if (status.received <= from) throw new HttpFailure(200, 'UPLOAD_STALLED');
    }
    return status.id;
  }

  /** The blob of message `messageId`, as the recipient's device downloads it before the open. */
  async download(token: string, messageId: string): Promise<Uint8Array<ArrayBuffer>> {
    const path = ROUTES.messageBlob.replace(':id', encodeURIComponent(messageId));
    const body = await this.call('GET', path, token, undefined, 'json');
    this.downloadedBytes += body.length;
    return new Uint8Array(body.buffer, body.byteOffset, body.length) as Uint8Array<ArrayBuffer>;
  }

  /** Close the idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private call(
    method: string,
    path: string,
    token: string,
    body: string | Uint8Array | undefined,
    kind: 'json' | 'octets',
  ): Promise<Buffer> {
    const headers: Record<string, string | number> = { authorization: `Bearer ${token}` };
    if (body !== undefined) {
      headers['content-type'] = kind === 'json' ? 'application/json' : 'application/octet-stream';
      headers['content-length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    }
    return new Promise((resolve, reject) => {
      const req = request(`${this.url}${path}`, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(all);
          else reject(new HttpFailure(status, errorCode(status, all.toString())));
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** The code a failed upload or download counts under: the server's, or `HTTP_FAILED` for a socket error. */
export function failureCode(error: unknown): string {
  return error instanceof HttpFailure ? error.code : 'HTTP_FAILED';
}
