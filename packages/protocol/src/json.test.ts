import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CredentialsBody,
  Ext,
  isWellFormed,
  jsonValueProblem,
  MAX_EXT_BYTES,
  MAX_EXT_DEPTH,
  parseClientFrame,
  parseServerFrame,
  SendFrame,
} from './index.ts';

const send = { type: 'send', rid: 'r1', key: 'k-12345678', to: 'bob', text: 'hi' };

/** A send frame's JSON with `ext` spliced in as raw JSON text. */
function sendWithRawExt(extJson: string): string {
  return `{"type":"send","rid":"r1","key":"k-12345678","to":"bob","text":"","ext":${extJson}}`;
}

/** `{"a": [[...[]...]]}` with `levels` levels in all (the ext object is level 1). */
function nestedExt(levels: number): string {
  return `{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
}

function refusal(input: string | Uint8Array): { message: string; rid: string | null } {
  const r = parseClientFrame(input);
  if (r.ok) throw new Error('expected a refusal');
  expect(r.error.code).toBe('BAD_REQUEST');
  return { message: r.error.message, rid: r.rid };
}

describe('ext nesting depth', () => {
  it(`accepts ${MAX_EXT_DEPTH} levels and refuses ${MAX_EXT_DEPTH + 1}, naming ext and keeping the rid`, () => {
    expect(parseClientFrame(sendWithRawExt(nestedExt(MAX_EXT_DEPTH))).ok).toBe(true);
    expect(refusal(sendWithRawExt(nestedExt(MAX_EXT_DEPTH + 1)))).toEqual({
      message: `ext: nested deeper than ${MAX_EXT_DEPTH} levels`,
      rid: 'r1',
    });
  });

  it('refuses 5,000 nested arrays (10 KB) without throwing (issue 8, item 1)', () => {
    const frame = sendWithRawExt(nestedExt(5000));
    expect(frame.length).toBeGreaterThan(10_000);
    expect(refusal(frame).message).toBe(`ext: nested deeper than ${MAX_EXT_DEPTH} levels`);
    // Deep objects and deep nesting outside ext are harmless too.
    const objects = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    expect(refusal(sendWithRawExt(objects)).message).toContain('ext:');
    expect(refusal(`[${'['.repeat(50_000)}${']'.repeat(50_000)}]`).rid).toBeNull();
    const deepServer = `{"type":"reply","rid":"r","result":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    expect(parseServerFrame(deepServer).ok).toBe(true);
  });

  it('refuses cyclic and over-deep values built in code (the SDK checks sends with SendFrame)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(SendFrame.safeParse({ ...send, ext: cyclic }).success).toBe(false);
    const wide: unknown[] = [];
    wide.push(wide, wide);
    // Without a depth cap the size bound alone ends the walk.
    expect(jsonValueProblem(wide, { maxDepth: 100_000, maxBytes: MAX_EXT_BYTES })).toBe('size');
    expect(jsonValueProblem(wide, { maxDepth: MAX_EXT_DEPTH, maxBytes: MAX_EXT_BYTES })).toBe('depth');
  });
});

describe('ext size measure', () => {
  const limits = { maxDepth: MAX_EXT_DEPTH, maxBytes: 64 };
  const bytesOf = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

  it('is the UTF-8 size of JSON.stringify, escapes and multi-byte characters included', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.integer({ min: 2, max: 200 }), (value, maxBytes) => {
        fc.pre(isWellFormed(JSON.stringify(value)) && !JSON.stringify(value).includes('"__proto__"'));
        const problem = jsonValueProblem(value, { maxDepth: 16, maxBytes });
        expect(problem === 'size').toBe(bytesOf(value) > maxBytes);
        if (problem !== 'size') expect(problem).toBeNull();
      }),
      { seed: 8, numRuns: 2000 },
    );
  });

  it('puts the edge of MAX_EXT_BYTES exactly where the bytes are', () => {
    // {"p":"…"} is 8 bytes of frame around the pad; é is 2 bytes, 😀 4, \n 2 (escaped), \u0001 6.
    for (const unit of ['x', 'é', '😀', '\n', '\u0001']) {
      const unitBytes = bytesOf(unit) - 2;
      const count = Math.floor((MAX_EXT_BYTES - 8) / unitBytes);
      const fits = { p: unit.repeat(count) + 'x'.repeat(MAX_EXT_BYTES - 8 - count * unitBytes) };
      expect(bytesOf(fits)).toBe(MAX_EXT_BYTES);
      expect(Ext.safeParse(fits).success).toBe(true);
      expect(Ext.safeParse({ p: `${fits.p}x` }).success).toBe(false);
    }
    expect(jsonValueProblem({ k: 'x'.repeat(100) }, limits)).toBe('size');
  });

  it('stops early on huge values', () => {
    const huge = { s: 'x'.repeat(5_000_000) };
    expect(jsonValueProblem(huge, limits)).toBe('size');
    expect(jsonValueProblem(new Array(1_000_000).fill(0), limits)).toBe('size');
  });
});

describe('content is carried exactly or refused (issue 8, item 11)', () => {
  const secret = 'secret-value-7';

  it('refuses lone surrogates in text, ext keys, and U+0000 in text and ext strings at any depth, naming only the field', () => {
    for (const text of ['\uD800', `a\uDC00b${secret}`, `${secret}\uD83D`]) {
      const frame = JSON.stringify({ ...send, text });
      const { message, rid } = refusal(frame);
      expect(message).toBe('text: must be well-formed Unicode (no lone surrogates)');
      expect(rid).toBe('r1');
    }
    for (const ext of [
      { [`k\uDFFF${secret}`]: 1 },
      { a: { b: [`\uD800${secret}`] } },
      { [secret]: '\uDBFF' },
    ]) {
      const { message } = refusal(JSON.stringify({ ...send, ext }));
      expect(message).toBe('ext: strings and keys must be well-formed Unicode (no lone surrogates)');
      expect(message).not.toContain(secret);
    }
    expect(refusal(JSON.stringify({ ...send, text: `${secret}\u0000` })).message).toBe(
      'text: must not contain U+0000',
    );
    // Pairs are fine, and so is U+0000 inside ext (stored as JSON, where it is an escape).
    expect(parseClientFrame(JSON.stringify({ ...send, ext: { '\u0000': '\u0000' } })).ok).toBe(true);
    const ok = parseClientFrame(JSON.stringify({ ...send, text: '😀\uD83D\uDE00', ext: { '😀': '😀' } }));
    expect(ok.ok && ok.value.type === 'send' && ok.value.text).toBe('😀😀');
  });

  it('refuses __proto__ keys anywhere in ext; constructor and prototype keys arrive exactly', () => {
    for (const json of [
      '{"__proto__":{"x":1}}',
      '{"a":{"__proto__":1}}',
      '{"a":[{"b":{"__proto__":null}}]}',
    ]) {
      expect(refusal(sendWithRawExt(json)).message).toBe('ext: a key named __proto__ is not allowed');
    }
    const exact = '{"constructor":{"prototype":{"x":1}},"prototype":"p","toString":"t","hasOwnProperty":1}';
    const r = parseClientFrame(sendWithRawExt(exact));
    if (!r.ok || r.value.type !== 'send') throw new Error('expected a send');
    expect(JSON.stringify(r.value.ext)).toBe(exact);
  });

  it('refuses what JSON cannot carry instead of changing it', () => {
    expect(refusal(sendWithRawExt('{"n":1e400}')).message).toContain('ext: only JSON values');
    expect(refusal(sendWithRawExt('[1]')).message).toBe('ext: expected a JSON object');
    for (const bad of [undefined, () => 1, Number.NaN, new Date(0), 1n, Symbol('s')]) {
      expect(SendFrame.safeParse({ ...send, ext: { v: bad } }).success).toBe(false);
    }
    // A hole in an array would arrive as null.
    expect(Ext.safeParse({ a: new Array(3) }).success).toBe(false);
    // A getter that throws is refused, not thrown.
    const trap = Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(Ext.safeParse(trap).success).toBe(false);
  });

  it('refuses frames that are not UTF-8 instead of replacing bytes with U+FFFD', () => {
    const valid = new TextEncoder().encode(JSON.stringify({ ...send, text: 'é' }));
    const r = parseClientFrame(valid);
    expect(r.ok && r.value.type === 'send' && r.value.text).toBe('é');
    const broken = valid.slice();
    broken[broken.indexOf(0xc3)] = 0xff;
    expect(refusal(broken)).toEqual({ message: 'The frame is not valid UTF-8', rid: null });
  });

  it('refuses lone surrogates in ids, keys, tokens, passwords and device names', () => {
    expect(refusal(JSON.stringify({ type: 'open', rid: 'r1', id: 'm\uD800' })).message).toBe(
      'id: must be well-formed Unicode (no lone surrogates)',
    );
    expect(refusal(JSON.stringify({ ...send, key: 'k-1234567\uDC00' })).message).toMatch(/^key: /);
    expect(
      refusal(JSON.stringify({ type: 'hello', protocol: 1, token: 't\uD800', cursor: null })).message,
    ).toMatch(/^token: /);
    // A rid that is not well-formed is not echoed back (the error would be an invalid server frame).
    expect(refusal(JSON.stringify({ type: 'ping', rid: 'r\uD800' })).rid).toBeNull();
    expect(refusal(JSON.stringify({ type: 'ping', rid: 'r\u0000' })).rid).toBeNull();
    expect(refusal(JSON.stringify({ type: 'ping', rid: 'r'.repeat(65) })).rid).toBeNull();
    expect(CredentialsBody.safeParse({ username: 'alice', password: 'password\uD800' }).success).toBe(false);
    expect(
      CredentialsBody.safeParse({ username: 'alice', password: 'password', deviceName: 'x\uDC00' }).success,
    ).toBe(false);
  });
});

describe('views are checked for shape only', () => {
  it('delivers content stored before the send rules existed instead of refusing its frame', () => {
    const stored = { text: 'old\u0000text\ud800', ext: { a: { ['__proto__']: 1 }, s: '\udc00' } };
    const reply = JSON.stringify({
      type: 'reply',
      rid: 'r1',
      result: { id: 'm1', ...stored, burned: false },
    });
    expect(parseServerFrame(reply).ok).toBe(true);
    const event = JSON.stringify({
      type: 'events',
      cursor: 1,
      events: [
        {
          kind: 'message',
          seq: 1,
          message: {
            id: 'm1',
            conversation: 'dm:a:b',
            from: 'aaa',
            to: 'bbb',
            sentAt: 1,
            size: 1,
            ...stored,
          },
        },
      ],
    });
    expect(parseServerFrame(event).ok).toBe(true);
    const welcome = JSON.stringify({
      type: 'welcome',
      protocol: 1,
      user: { id: 'u1', username: 'aaa' },
      device: { id: 'd1', name: 'old\u0000name' },
      serverTime: 1,
    });
    expect(parseServerFrame(welcome).ok).toBe(true);
    // The same content in a send is refused.
    expect(parseClientFrame(JSON.stringify({ ...send, text: stored.text })).ok).toBe(false);
    expect(parseClientFrame(JSON.stringify({ ...send, ext: stored.ext })).ok).toBe(false);
  });
});

describe('parsing is total', () => {
  it('answers any text, bytes or JSON value with a frame or BAD_REQUEST, never a throw', () => {
    const anyInput = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
      fc
        .record({
          type: fc.constantFrom(
            'hello',
            'send',
            'open',
            'read',
            'delivered',
            'revoke',
            'ack',
            'ping',
            'reply',
          ),
          rid: fc.oneof(fc.string(), fc.integer()),
          ext: fc.anything({ withNullPrototype: true, withObjectString: true }),
          text: fc.string({ unit: 'binary' }),
        })
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(anyInput, (input) => {
        for (const parse of [parseClientFrame, parseServerFrame]) {
          const r = parse(input);
          if (!r.ok) expect(r.error.code).toBe('BAD_REQUEST');
        }
      }),
      { seed: 11, numRuns: 3000 },
    );
  });
});
