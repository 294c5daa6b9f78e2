import { describe, expect, it } from 'vitest';
import { RawClient, register, testServer } from '../../../test/kit/index.ts';

// Issue 8, item 11, at the socket edge: the bytes of a binary frame must be decoded as strict
// UTF-8. Replaced with U+FFFD, invalid bytes inside a string change a message silently.
// ws/connection.ts decodes them with the protocol's `decodeUtf8` and answers BAD_REQUEST.

describe('binary frames', () => {
  it('decodes binary frames as strict UTF-8: valid bytes are carried, invalid ones refused', async () => {
    await using server = await testServer();
    const sender = await register(server);
    const receiver = await register(server);
    const a = await RawClient.connect(server.url, sender.token);
    const b = await RawClient.connect(server.url, receiver.token);
    const prefix = `{"type":"send","rid":"bin1","key":"binary-key-1","to":"${receiver.user.username}","text":"`;
    // é as UTF-8 is C3 A9; a lone C3 or an FF byte is not UTF-8 (it used to arrive as U+FFFD).
    const framed = (middle: number[], rid: string) =>
      Buffer.concat([Buffer.from(prefix.replace('bin1', rid)), Buffer.from(middle), Buffer.from('"}')]);
    a.ws.send(framed([0xc3, 0xa9], 'bin1'), { binary: true });
    const good = await a.waitFor(
      (f) => (f.type === 'reply' || f.type === 'error') && f.rid === 'bin1',
      30_000,
    );
    if (good.type !== 'reply') throw new Error('valid UTF-8 refused');
    const id = (good.result as { id: string }).id;
    const event = await b.waitForEvent((e) => e.kind === 'message' && e.message.id === id, 30_000);
    expect(event.kind === 'message' && event.message.text).toBe('é');

    for (const [rid, bytes] of [
      ['bin2', [0xc3]],
      ['bin3', [0x61, 0xff, 0x62]],
      ['bin4', [0xed, 0xa0, 0x80]], // a surrogate encoded as UTF-8 (CESU): not UTF-8 either
    ] as const) {
      a.ws.send(framed([...bytes], rid), { binary: true });
      const answer = await a.waitFor(
        (f) =>
          (f.type === 'reply' && f.rid === rid) || (f.type === 'error' && (f.rid === rid || f.rid === null)),
        30_000,
      );
      expect(answer).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
      a.frames.splice(a.frames.indexOf(answer), 1);
    }
    const after = await a.ok<{ id: string }>({
      type: 'send',
      key: 'after-binary',
      to: receiver.user.username,
      text: 'ok',
    });
    await b.waitForEvent((e) => e.kind === 'message' && e.message.id === after.id, 30_000);
    expect(b.events().filter((e) => e.kind === 'message')).toHaveLength(2);
    a.close();
    b.close();
  });
});
