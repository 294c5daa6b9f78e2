import { CinderError, ErrorBody } from '@cinder/protocol';

/** The part of `fetch` the SDK uses, so any compatible implementation can be passed in. */
export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string | Uint8Array<ArrayBuffer>;
    /** Aborts the request in flight (an upload's chunk when the upload is cancelled). */
    signal?: AbortSignal;
  },
) => Promise<{ ok: boolean; status: number; text(): Promise<string>; arrayBuffer(): Promise<ArrayBuffer> }>;

/** How the SDK reaches a server's HTTP API: its base URL (no trailing slash) and the fetch to use. */
export interface ServerHttp {
  url: string;
  fetch: FetchLike;
}

/** A schema that can validate a response body (any zod schema fits). */
export interface BodySchema<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/** `base` without trailing slashes, so routes append cleanly (and a path prefix survives). */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** The WebSocket URL of a server: same host and path prefix, `ws:` for `http:`, `wss:` for `https:`. */
export function toWebSocketUrl(base: string, path: string): string {
  return joinUrl(base, path).replace(/^http(s?):/i, 'ws$1:');
}

/**
 * One HTTP call to the server. Error bodies become `CinderError`s with the server's code; a
 * network failure is `UNAVAILABLE`; a body that does not match `schema` is `INTERNAL`.
 */
export async function httpRequest<T>(
  fetch: FetchLike,
  url: string,
  options: {
    method: string;
    body?: unknown;
    /** A binary body (`application/octet-stream`) instead of JSON. */
    bytes?: Uint8Array<ArrayBuffer>;
    token?: string;
    schema?: BodySchema<T>;
    signal?: AbortSignal;
  },
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const init: Parameters<FetchLike>[1] = { method: options.method, headers };
  if (options.signal) init.signal = options.signal;
  if (options.bytes !== undefined) {
    headers['content-type'] = 'application/octet-stream';
    init.body = options.bytes;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let response: Awaited<ReturnType<FetchLike>>;
  let text: string;
  try {
    response = await fetch(url, init);
    text = await response.text();
  } catch (error) {
    throw new CinderError('UNAVAILABLE', 'Cannot reach the server', { cause: error });
  }
  const json = parseJson(text);
  if (!response.ok) throw errorFromBody(response.status, json);
  if (!options.schema) return undefined as T;
  const parsed = options.schema.safeParse(json);
  if (!parsed.success) throw new CinderError('INTERNAL', 'Unexpected response from the server');
  return parsed.data;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorFromBody(status: number, json: unknown): CinderError {
  const body = ErrorBody.safeParse(json);
  if (body.success) {
    return new CinderError(body.data.error.code, body.data.error.message);
  }
  // No Cinder body (a proxy answered?) or a code this SDK does not know: fall back on the status.
  if (status === 401) return new CinderError('UNAUTHORIZED');
  if (status === 404) return new CinderError('NOT_FOUND');
  if (status === 429) return new CinderError('RATE_LIMITED');
  if (status >= 500) return new CinderError('UNAVAILABLE', `Server error (HTTP ${status})`);
  return new CinderError('BAD_REQUEST', `Unexpected HTTP ${status}`);
}

/**
 * Download bytes (`GET` with the device's token). Error bodies become `CinderError`s as in
 * `httpRequest`; a network failure is `UNAVAILABLE`.
 */
export async function httpDownload(
  fetch: FetchLike,
  url: string,
  token: string,
): Promise<Uint8Array<ArrayBuffer>> {
  let response: Awaited<ReturnType<FetchLike>>;
  try {
    response = await fetch(url, {
      method: 'GET',
      headers: { accept: 'application/octet-stream', authorization: `Bearer ${token}` },
    });
    if (response.ok) return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new CinderError('UNAVAILABLE', 'Cannot reach the server', { cause: error });
  }
  let text = '';
  try {
    text = await response.text();
  } catch {
    // the status alone says what went wrong
  }
  throw errorFromBody(response.status, parseJson(text));
}
