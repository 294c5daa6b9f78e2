import { MAX_EXT_DEPTH, type OpenResult } from '@cinder/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openedContent, RawClient, register, sealedSendFrame, testServer } from '../../../test/kit/index.ts';
import type { ServerOptions } from '../src/index.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';

// Issue 8, item 11: what a sender puts in `text` and `ext` reaches the recipient exactly, or the
// send is refused with BAD_REQUEST and nothing is stored. Frames are written by hand as JSON text
// so that escapes (lone surrogates, "__proto__" keys) reach the server as a hostile client
// would send them.

/** A value that must never appear in an error message. */
const SECRET = 'zq-secret-7731';

let key = 0;
/** A send frame's JSON text; `text` and `ext` are raw JSON. */
function rawSend(rid: string, to: string, textJson: string, extJson?: string, burn = false): string {
  key += 1;
  const ext = extJson === undefined ? '' : `,"ext":${extJson}`;
  const burnPart = burn ? ',"burn":{}' : '';
  return `{"type":"send","rid":"${rid}","key":"exact-key-${key}","to":"${to}","text":${textJson}${ext}${burnPart}}`;
}

function nested(levels: number): string {
  return `{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
}

type Answer = Awaited<ReturnType<RawClient['request']>>;

async function answerTo(client: RawClient, rid: string, frame: string): Promise<Answer> {
  client.send(frame);
  return (await client.waitFor(
    (f) => (f.type === 'reply' || f.type === 'error') && f.rid === rid,
    30_000,
  )) as Answer;
}

/** The same checks on each storage: each one stores text and ext its own way. */
function contentSuite(storage: () => { options: ServerOptions; release?: () => Promise<void> }): void {
  let server: Awaited<ReturnType<typeof testServer>>;
  let alice: Awaited<ReturnType<typeof register>>;
  let bob: Awaited<ReturnType<typeof register>>;
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const chosen = storage();
    release = chosen.release;
    server = await testServer(chosen.options);
    alice = await register(server);
    bob = await register(server);
  });
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
    await release?.();
  });

  // Canonical JSON (as JSON.stringify writes it): the recipient's frame must contain it byte for byte.
  const carried: Array<{ name: string; text: string; ext: string }> = [
    {
      name: 'constructor, prototype and other Object.prototype names as ext keys',
      text: JSON.stringify('plain'),
      ext: '{"constructor":{"prototype":{"polluted":true}},"prototype":"p","toString":"t","hasOwnProperty":1,"valueOf":[null]}',
    },
    {
      name: 'surrogate pairs, U+FFFD itself, controls and line separators (NUL in ext)',
      text: JSON.stringify('😀 \uD83D\uDE00 \uFFFD \u0001\u001f \u2028\u2029 e\u0301 \u202Eabc'),
      ext: JSON.stringify({ '😀': '\uFFFD\u0000', '': 'empty key', 'ü\u0000k': ['\u2028'] }),
    },
    {
      name: `ext nested ${MAX_EXT_DEPTH} levels deep`,
      text: JSON.stringify(''),
      ext: nested(MAX_EXT_DEPTH),
    },
  ];

  for (const c of carried) {
    it(`carries ${c.name} exactly, in normal and burn messages`, async () => {
      const a = await RawClient.connect(server.url, alice.token);
      const b = await RawClient.connect(server.url, bob.token);
      const text = JSON.parse(c.text) as string;

      const normal = await answerTo(a, 'n1', rawSend('n1', bob.user.username, c.text, c.ext));
      if (normal.type !== 'reply') throw new Error(`refused: ${normal.code} ${normal.message}`);
      const id = (normal.result as { id: string }).id;
      const event = await b.waitForEvent((e) => e.kind === 'message' && e.message.id === id, 30_000);
      if (event.kind !== 'message') throw new Error('not a message event');
      expect(event.message.text).toBe(text);
      expect(JSON.stringify(event.message.ext)).toBe(c.ext);
      // Byte for byte on the wire: the frame that carried the event holds the same JSON.
      const wire = b.raw.find((r) => r.includes(`"id":"${id}"`)) ?? '';
      expect(wire).toContain(`"text":${JSON.stringify(text)}`);
      expect(wire).toContain(`"ext":${c.ext}`);

      // A burn message carries them sealed: the server stores the envelope, and the opening
      // device decrypts the same text and ext.
      const ext = JSON.parse(c.ext) as Record<string, unknown>;
      const burn = await a.request(
        await sealedSendFrame(a, alice.user.username, bob.user.username, text, { ext }),
      );
      if (burn.type !== 'reply') throw new Error(`refused: ${burn.code} ${burn.message}`);
      const burnId = (burn.result as { id: string }).id;
      const opened = await openedContent(await b.ok<OpenResult>({ type: 'open', id: burnId }), bob);
      expect(opened.text).toBe(text);
      expect(JSON.stringify(opened.ext)).toBe(c.ext);
      expect(b.invalid).toEqual([]);
      a.close();
      b.close();
    });
  }

  const refused: Array<{ name: string; text: string; ext?: string; field: string }> = [
    { name: 'a lone high surrogate in text', text: `"${SECRET}\\ud800"`, field: 'text' },
    { name: 'a lone low surrogate in text', text: `"\\udc00${SECRET}"`, field: 'text' },
    { name: 'a reversed pair in text', text: `"\\ude00\\ud83d${SECRET}"`, field: 'text' },
    // SQLite would keep it, PostgreSQL refuses it in a text column: refused on both alike.
    { name: 'U+0000 in text', text: `"${SECRET}\\u0000"`, field: 'text' },
    { name: 'an ext key __proto__', text: '"x"', ext: `{"__proto__":{"${SECRET}":true}}`, field: 'ext' },
    {
      name: 'a nested ext key __proto__',
      text: '"x"',
      ext: `{"a":[{"__proto__":"${SECRET}"}]}`,
      field: 'ext',
    },
    { name: 'a lone surrogate in an ext key', text: '"x"', ext: `{"${SECRET}\\udbff":1}`, field: 'ext' },
    {
      name: 'a lone surrogate in a nested ext string',
      text: '"x"',
      ext: `{"a":{"b":["${SECRET}\\ud800"]}}`,
      field: 'ext',
    },
    { name: 'a number JSON reads as Infinity', text: '"x"', ext: '{"n":1e400}', field: 'ext' },
    {
      name: `ext ${MAX_EXT_DEPTH + 1} levels deep`,
      text: '"x"',
      ext: nested(MAX_EXT_DEPTH + 1),
      field: 'ext',
    },
    // Issue 8, item 1: this frame (10 KB) killed the server before sign-in.
    { name: 'ext 5,000 levels deep', text: '"x"', ext: nested(5000), field: 'ext' },
  ];

  it('refuses what it cannot carry with BAD_REQUEST naming the field, and stores nothing', async () => {
    const sender = await register(server);
    const receiver = await register(server);
    const a = await RawClient.connect(server.url, sender.token);
    const b = await RawClient.connect(server.url, receiver.token);

    // Before sign-in, the deepest frame gets an answer and the server lives on.
    const early = await RawClient.open(server.url);
    const deep = refused.at(-1) as (typeof refused)[number];
    const beforeHello = await answerTo(
      early,
      'e1',
      rawSend('e1', receiver.user.username, deep.text, deep.ext),
    );
    expect(beforeHello).toMatchObject({ type: 'error', code: 'BAD_REQUEST', rid: 'e1' });
    early.close();

    // A burn frame in plain text is refused anyway (burn messages travel sealed); with bad content
    // the answer still names the content's field first, and never echoes the content.
    for (const [i, c] of refused.entries()) {
      for (const burn of [false, true]) {
        const rid = `x${i}${burn ? 'b' : 'n'}`;
        const answer = await answerTo(a, rid, rawSend(rid, receiver.user.username, c.text, c.ext, burn));
        expect(answer, c.name).toMatchObject({ type: 'error', code: 'BAD_REQUEST', rid });
        if (answer.type !== 'error') continue;
        expect(answer.message.startsWith(`${c.field}: `), `${c.name}: ${answer.message}`).toBe(true);
        expect(answer.message).not.toContain(SECRET);
      }
    }

    // Nothing was stored: the receiver's log holds only the message sent after the refusals,
    // live and in a full resync, and the sender's other device sees nothing else either.
    const after = await a.ok<{ id: string }>({
      type: 'send',
      key: 'after-refusals',
      to: receiver.user.username,
      text: 'ok',
    });
    await b.waitForEvent((e) => e.kind === 'message' && e.message.id === after.id, 30_000);
    expect(
      b
        .events()
        .filter((e) => e.kind === 'message')
        .map((e) => e.kind === 'message' && e.message.id),
    ).toEqual([after.id]);
    const fresh = await RawClient.connect(server.url, receiver.token, null);
    const listed = fresh.frames.flatMap((f) => (f.type === 'resync' ? f.messages.map((m) => m.id) : []));
    expect(listed).toEqual([after.id]);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    for (const c of [a, b, fresh]) c.close();
  });
}

describe('content is carried exactly or refused (SQLite)', () => contentSuite(() => ({ options: {} })));

await describeWithServices('content is carried exactly or refused (PostgreSQL)', ['postgres'], () =>
  contentSuite(() => {
    const schema = uniqueSchema();
    return {
      options: { databaseUrl: TEST_DATABASE_URL, databaseSchema: schema },
      release: () => dropSchema(schema),
    };
  }),
);
