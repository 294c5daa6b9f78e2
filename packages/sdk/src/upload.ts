import { CinderError, MAX_UPLOAD_PUT_BYTES, ROUTES, UploadStatus } from '@cinder/protocol';
import { backoff } from './backoff.ts';
import { httpRequest, joinUrl, type ServerHttp } from './http.ts';
import type { Identity } from './types.ts';

/** Options of `uploadBytes`. */
export interface UploadOptions {
  /** Called after each stored chunk with the bytes the server holds and the total. */
  onProgress?: (sent: number, total: number) => void;
  /** Cancels the upload: the server's copy is deleted and the call fails with `CANCELLED`. */
  signal?: AbortSignal;
  /** Failed requests in a row (network errors, a lost offset) before giving up. @default 5 */
  attempts?: number;
  /** Upper bound of the wait between retries. @default 5_000 */
  maxRetryDelayMs?: number;
}

/** Codes after which the upload resumes from what the server holds. */
const RESUMABLE = new Set(['UNAVAILABLE', 'TIMEOUT', 'CONFLICT', 'RATE_LIMITED']);

/**
 * Upload `data` in chunks of the server's `chunkBytes` (docs/media.md, "Upload"), resuming after a
 * dropped connection from the bytes the server says it holds (`GET /v1/uploads/:id`), with
 * backoff between attempts. Resolves with the completed upload's status.
 */
export async function uploadBytes(
  server: ServerHttp,
  identity: Identity,
  data: Uint8Array<ArrayBuffer>,
  options: UploadOptions = {},
): Promise<UploadStatus> {
  const { signal, onProgress } = options;
  const attempts = options.attempts ?? 5;
  const maxDelay = options.maxRetryDelayMs ?? 5_000;
  const call = (
    method: string,
    path: string,
    extra: { body?: unknown; bytes?: Uint8Array<ArrayBuffer> } = {},
  ) =>
    httpRequest(server.fetch, joinUrl(server.url, path), {
      method,
      token: identity.token,
      schema: UploadStatus,
      // A cancel aborts the request in flight too, not only the next one.
      ...(signal ? { signal } : {}),
      ...extra,
    });
  if (data.length === 0) throw new CinderError('BAD_REQUEST', 'An attachment cannot be empty');
  throwIfAborted(signal);
  let status = await call('POST', ROUTES.uploads, { body: { size: data.length } });
  const path = `${ROUTES.uploads}/${encodeURIComponent(status.id)}`;
  let failures = 0;
  try {
    while (status.received < status.size) {
      throwIfAborted(signal);
      const from = status.received;
      const chunk = data.slice(from, chunkEnd(from, status.size, status.chunkBytes));
      try {
        status = await call('PUT', `${path}?offset=${from}`, { bytes: chunk });
        failures = 0;
        onProgress?.(status.received, status.size);
      } catch (error) {
        const failure = CinderError.from(error);
        if (!RESUMABLE.has(failure.code) || ++failures >= attempts) throw failure;
        await wait(backoff(failures - 1, 100, maxDelay), signal);
        status = await resume(() => call('GET', path), attempts, maxDelay, signal);
      }
    }
    return status;
  } catch (error) {
    // Cancelled or given up: the server's copy goes (best effort; its ttl removes it otherwise).
    await httpRequest(server.fetch, joinUrl(server.url, path), {
      method: 'DELETE',
      token: identity.token,
    }).catch(() => {});
    throw error;
  }
}

/**
 * Where the chunk starting at `from` ends: `chunkBytes` on, except that a short tail (a quarter
 * of a chunk or less) goes with the chunk before it when both fit one PUT. A sealed file is 16
 * bytes per 256 KiB longer than the file, so a 256 KiB photo is one request, not two.
 */
export function chunkEnd(from: number, size: number, chunkBytes: number): number {
  const end = Math.min(size, from + chunkBytes);
  return size - end <= chunkBytes / 4 && size - from <= MAX_UPLOAD_PUT_BYTES ? size : end;
}

/** The upload's status from the server, retried while the network is down. */
async function resume(
  get: () => Promise<UploadStatus>,
  attempts: number,
  maxDelay: number,
  signal: AbortSignal | undefined,
): Promise<UploadStatus> {
  for (let failures = 0; ; ) {
    throwIfAborted(signal);
    try {
      return await get();
    } catch (error) {
      const failure = CinderError.from(error);
      if (!RESUMABLE.has(failure.code) || ++failures >= attempts) throw failure;
      await wait(backoff(failures - 1, 100, maxDelay), signal);
    }
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CinderError('CANCELLED', 'The upload was cancelled');
}

function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
