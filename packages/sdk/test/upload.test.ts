import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeOf, Harness } from '../../../test/kit/index.ts';
import type { FetchLike } from '../src/http.ts';
import type { Identity } from '../src/index.ts';
import { chunkEnd, uploadBytes } from '../src/upload.ts';

const realFetch: FetchLike = (url, init) => globalThis.fetch(url, init);

/** A fetch that breaks the `n`-th PUT: before it leaves (the server gets nothing) or after it was answered (the reply is lost). */
function breakingPut(n: number, when: 'before' | 'after'): { fetch: FetchLike; puts: number[] } {
  const puts: number[] = [];
  const fetch: FetchLike = async (url, init) => {
    if (init.method !== 'PUT') return realFetch(url, init);
    puts.push(Number(new URL(url).searchParams.get('offset')));
    if (puts.length !== n) return realFetch(url, init);
    if (when === 'after') await (await realFetch(url, init)).text();
    throw new TypeError('fetch failed');
  };
  return { fetch, puts };
}

async function identityOf(h: Harness): Promise<Identity> {
  const alice = await h.user();
  const identity = await alice.store.getIdentity();
  if (!identity) throw new Error('no identity');
  return identity;
}

const blob = (dataDir: string, id: string) => readFileSync(join(dataDir, 'blobs', id));

describe('uploads (docs/media.md)', () => {
  it('uploads 1 MB in chunks with progress; the server holds exactly the bytes', async () => {
    await using h = await Harness.start();
    const identity = await identityOf(h);
    const data = new Uint8Array(randomBytes(1024 * 1024 + 17));
    const progress: number[] = [];
    const status = await uploadBytes({ url: h.url, fetch: realFetch }, identity, data, {
      onProgress: (sent, total) => {
        expect(total).toBe(data.length);
        progress.push(sent);
      },
    });
    expect(status).toMatchObject({ size: data.length, received: data.length });
    // Four chunks: the 17-byte tail goes with the last full one.
    expect(progress.length).toBe(Math.floor(data.length / status.chunkBytes));
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(data.length);
    expect(Buffer.compare(blob(h.server.dataDir, status.id), Buffer.from(data))).toBe(0);
  });

  for (const when of ['before', 'after'] as const) {
    it(`resumes from what the server holds when a chunk's connection drops ${when} the server stored it`, async () => {
      await using h = await Harness.start();
      const identity = await identityOf(h);
      const data = new Uint8Array(randomBytes(700 * 1024));
      const broken = breakingPut(2, when);
      const status = await uploadBytes({ url: h.url, fetch: broken.fetch }, identity, data, {
        maxRetryDelayMs: 200,
      });
      const chunk = status.chunkBytes;
      // The second chunk went again only if the server had not stored it.
      expect(broken.puts.slice(0, 3)).toEqual(when === 'before' ? [0, chunk, chunk] : [0, chunk, 2 * chunk]);
      expect(Buffer.compare(blob(h.server.dataDir, status.id), Buffer.from(data))).toBe(0);
    });
  }

  it('a cancelled upload fails with CANCELLED and the server forgets it', async () => {
    await using h = await Harness.start();
    const identity = await identityOf(h);
    const data = new Uint8Array(randomBytes(600 * 1024));
    const cancel = new AbortController();
    let id = '';
    const fetch: FetchLike = async (url, init) => {
      const res = await realFetch(url, init);
      if (init.method === 'POST') {
        const text = await res.text();
        id = (JSON.parse(text) as { id: string }).id;
        return new Response(text, { status: res.status });
      }
      return res;
    };
    const upload = uploadBytes({ url: h.url, fetch }, identity, data, {
      signal: cancel.signal,
      onProgress: () => cancel.abort(),
    });
    expect(await codeOf(upload)).toBe('CANCELLED');
    const status = await globalThis.fetch(new URL(`/v1/uploads/${id}`, h.url), {
      headers: { authorization: `Bearer ${identity.token}` },
    });
    expect(status.status).toBe(404);
  });

  it('over --max-upload is PAYLOAD_TOO_LARGE before any byte is sent', async () => {
    await using h = await Harness.start({ maxUploadBytes: 100_000 });
    const identity = await identityOf(h);
    const broken = breakingPut(1, 'before');
    const upload = uploadBytes({ url: h.url, fetch: broken.fetch }, identity, new Uint8Array(100_001));
    expect(await codeOf(upload)).toBe('PAYLOAD_TOO_LARGE');
    expect(broken.puts).toEqual([]);
    expect(await codeOf(uploadBytes({ url: h.url, fetch: realFetch }, identity, new Uint8Array(0)))).toBe(
      'BAD_REQUEST',
    );
  });

  it('sends a short tail with the chunk before it, within one PUT', () => {
    const k = 256 * 1024;
    expect(chunkEnd(0, k + 16, k)).toBe(k + 16);
    expect(chunkEnd(0, 2 * k, k)).toBe(k);
    expect(chunkEnd(k, 2 * k + k / 4, k)).toBe(2 * k + k / 4);
    expect(chunkEnd(k, 2 * k + k / 4 + 1, k)).toBe(2 * k);
    // Never past what one PUT may carry.
    expect(chunkEnd(0, 1024 * 1024 + 1, 1024 * 1024)).toBe(1024 * 1024);
  });
});
