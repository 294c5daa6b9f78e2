import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Envelope } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import {
  postJson,
  RawClient,
  register,
  sealedSendFrame,
  sendFrame,
  tempDir,
  testServer,
} from '../../../test/kit/index.ts';

describe('logs', () => {
  it('never contain message content, even at trace level', async () => {
    const logs = tempDir('cinder-logs-');
    const logFile = join(logs.path, 'server.log');
    const marker = randomBytes(32).toString('hex');
    let envelope: Envelope | undefined;
    try {
      const server = await testServer({ logLevel: 'trace', logFile, maxFrameBytes: 8192 });
      try {
        const alice = await register(server);
        const bob = await register(server);
        const a = await RawClient.connect(server.url, alice.token);
        const b = await RawClient.connect(server.url, bob.token);
        const sealed = await sealedSendFrame(a, alice.user.username, bob.user.username, marker, {
          ext: { m: marker },
        });
        envelope = sealed.sealed as Envelope;
        const burn = await a.ok<{ id: string }>(sealed);
        const normal = await a.ok<{ id: string }>(
          sendFrame(bob.user.username, marker, { ext: { [marker]: marker } }),
        );
        await b.ok({ type: 'delivered', ids: [burn.id, normal.id] });
        await b.ok({ type: 'open', id: burn.id });
        await b.ok({ type: 'open', id: normal.id });
        // Errors around content: burned, forbidden, malformed, unknown, oversize, wrong types.
        await b.request({ type: 'open', id: burn.id });
        await a.request({ type: 'open', id: normal.id });
        await a.request({ type: 'open', id: marker });
        await a.request(sendFrame(marker.slice(0, 30), marker));
        // Burn sends the server refuses: in plain text, with the text beside the envelope, with a
        // malformed envelope.
        for (const refused of [
          sendFrame(bob.user.username, marker, { burn: {}, ext: { m: marker } }),
          { ...sealed, key: 'key-refused-1', text: marker },
          { ...sealed, key: 'key-refused-2', sealed: { ...envelope, k2: `${envelope.k2}x` } },
        ]) {
          expect(await a.request(refused)).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
        }
        a.send(`{"type":"send","text":"${marker}"`);
        a.send({ type: marker, rid: 'r-x', text: marker });
        a.send({
          type: 'send',
          rid: 'r-y',
          key: 'key-12345678',
          to: bob.user.username,
          text: marker.repeat(200),
        });
        a.send({ type: 'send', rid: 'r-z', key: 'key-12345678', to: bob.user.username, text: { marker } });
        await a.settle();
        await postJson(`${server.url}/v1/accounts`, { username: marker, password: marker });
        await postJson(`${server.url}/v1/sessions`, { username: 'abc', password: marker });
        await fetch(`${server.url}/v1/${marker}`);
        await fetch(`${server.url}/${marker}`);
        a.close();
        b.close();
      } finally {
        await server[Symbol.asyncDispose]();
      }
      const log = readFileSync(logFile, 'utf8');
      // The log is really written at trace level: otherwise this test could not fail.
      expect(log).toContain('"msg":"message burned"');
      expect(log).toContain('"msg":"message stored"');
      expect(log).toContain('"msg":"request refused"');
      expect(log.split('\n').length).toBeGreaterThan(20);
      expect(log).not.toContain(marker);
      expect(log).not.toContain(marker.slice(0, 30));
      // Nor the burn message's envelope: its ciphertext and key share are content too.
      if (!envelope) throw new Error('no envelope was sent');
      expect(log).not.toContain(envelope.ct);
      expect(log).not.toContain(envelope.k2);
      for (const key of envelope.keys) expect(log).not.toContain(key.ct);
    } finally {
      logs.remove();
    }
  });

  it('keep the class and code of the errors they log', async () => {
    const logs = tempDir('cinder-logs-');
    const logFile = join(logs.path, 'server.log');
    try {
      // Nothing listens on port 1: the Redis bus logs a warning per failed connection, then
      // the server refuses to start.
      await expect(
        testServer({ logLevel: 'warn', logFile, redisUrl: 'redis://127.0.0.1:1' }),
      ).rejects.toThrow();
      const lines = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg: string; err?: { type?: string; code?: string } });
      const warning = lines.find((line) => line.msg === 'redis connection error');
      expect(warning?.err).toMatchObject({ type: 'Error', code: 'ECONNREFUSED' });
      for (const line of lines) if (line.err) expect(line.err.type).not.toBe('object');
    } finally {
      logs.remove();
    }
  });
});
