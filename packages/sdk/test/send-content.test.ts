import { MAX_EXT_DEPTH } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import { Harness, waitFor } from '../../../test/kit/index.ts';
import type { CinderError } from '../src/index.ts';

// Issue 8, item 11: the SDK refuses locally what the server would refuse (the same SendFrame
// schema), so nothing leaves the device and the app gets BAD_REQUEST at once.

const SECRET = 'zq-secret-4410';

function deep(levels: number): Record<string, unknown> {
  let v: unknown = [];
  for (let i = 2; i < levels; i++) v = [v];
  return { a: v };
}

describe('CinderClient: send content is carried exactly or refused before sending', () => {
  it('refuses lone surrogates, NUL in text, __proto__ keys and non-JSON ext with BAD_REQUEST, sending nothing', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const refused: Array<[string, string, Record<string, unknown> | undefined]> = [
      ['text', `${SECRET}\uD800`, undefined],
      ['text', `\uDC00${SECRET}`, undefined],
      ['text', `${SECRET}\u0000`, undefined],
      ['ext', 'x', { [`${SECRET}\uD800`]: 1 }],
      ['ext', 'x', { a: [`${SECRET}\uDFFF`] }],
      ['ext', 'x', { ['__proto__']: { [SECRET]: true } }],
      ['ext', 'x', { a: { ['__proto__']: SECRET } }],
      ['ext', 'x', { n: Number.POSITIVE_INFINITY }],
      ['ext', 'x', { d: new Date(0) }],
      ['ext', 'x', { u: undefined }],
      ['ext', 'x', cyclic],
      ['ext', 'x', deep(MAX_EXT_DEPTH + 1)],
    ];
    for (const [field, text, ext] of refused) {
      const error = (await alice.client
        .send(bob.name, text, ext === undefined ? {} : { ext })
        .catch((e: unknown) => e)) as CinderError;
      expect(error, `${field}: ${String(Object.keys(ext ?? {}))}`).toMatchObject({ code: 'BAD_REQUEST' });
      expect(error.message.startsWith(`${field}: `)).toBe(true);
      expect(error.message).not.toContain(SECRET);
    }
    expect(alice.net.sent.filter((f) => f.type === 'send')).toEqual([]);
    expect(await alice.client.messages(bob.name)).toEqual([]);
  });

  it('carries constructor and prototype keys, NUL in ext and 32 levels exactly', async () => {
    await using h = await Harness.start();
    const alice = await h.user();
    const bob = await h.user();
    const ext = {
      constructor: { prototype: { polluted: true } },
      prototype: 'p',
      toString: 't',
      nul: '\u0000',
      deep: deep(MAX_EXT_DEPTH - 1),
    };
    const sent = await alice.client.send(bob.name, '😀 \uFFFD', { ext });
    const got = await waitFor(() => bob.events.message.find((m) => m.id === sent.id), {
      what: 'the message',
    });
    expect(got.text).toBe('😀 \uFFFD');
    expect(JSON.stringify(got.ext)).toBe(JSON.stringify(ext));
  });
});
