import type { OpenResult } from '@cinder/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChildServer,
  openedContent,
  RawClient,
  register,
  sealedSendFrame,
  sendFrame,
  spawnServer,
  tempDir,
} from '../../../test/kit/index.ts';

describe('restart', () => {
  const children: ChildServer[] = [];
  afterEach(async () => {
    for (const c of children.splice(0)) {
      if (c.child.exitCode === null && c.child.signalCode === null) {
        c.child.kill('SIGKILL');
        await c.exited;
      }
    }
  });

  it('keeps stored messages and burns across a graceful restart on the same port', async () => {
    const dir = tempDir();
    try {
      const first = await spawnServer(['--port', '0', '--data-dir', dir.path]);
      children.push(first);
      const alice = await register(first);
      const bob = await register(first);
      const a = await RawClient.connect(first.url, alice.token);
      const normal = await a.ok<{ id: string }>(sendFrame(bob.user.username, 'survives', { ext: { x: 1 } }));
      const sealed = await a.ok<{ id: string }>(
        await sealedSendFrame(a, alice.user.username, bob.user.username, 'survives sealed'),
      );
      const opened = await a.ok<{ id: string }>(
        await sealedSendFrame(a, alice.user.username, bob.user.username, 'burns now'),
      );
      const b = await RawClient.connect(first.url, bob.token);
      await b.ok({ type: 'open', id: opened.id });
      // The burned event follows the open reply; the cursor must include it.
      await b.waitForEvent((e) => e.kind === 'burned' && e.messageId === opened.id);
      const cursor = b.events().at(-1)?.seq ?? 0;
      b.close();

      const aClosed = a.closed;
      first.child.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
      expect((await aClosed).code).toBe(1001);

      // Environment variables work too; the flag wins over CINDER_PORT.
      const second = await spawnServer(['--port', String(first.port)], {
        CINDER_DATA_DIR: dir.path,
        CINDER_PORT: '1',
      });
      children.push(second);
      expect(second.port).toBe(first.port);

      const fresh = await RawClient.connect(second.url, bob.token, null);
      const listed = fresh.frames.flatMap((f) => (f.type === 'resync' ? f.messages : []));
      expect(listed.map((m) => m.id)).toEqual([normal.id, sealed.id]);
      expect(listed[0]).toMatchObject({ text: 'survives', ext: { x: 1 } });
      expect(listed[1]).not.toHaveProperty('text');
      fresh.close();

      const resumed = await RawClient.connect(second.url, bob.token, cursor);
      expect(resumed.frames.map((f) => f.type)).toEqual(['welcome', 'synced']);
      expect(await resumed.request({ type: 'open', id: opened.id })).toMatchObject({ code: 'BURNED' });
      const result = await resumed.ok<OpenResult>({ type: 'open', id: sealed.id });
      expect(result).toMatchObject({ burned: true });
      expect((await openedContent(result, bob)).text).toBe('survives sealed');
      resumed.close();

      second.child.kill('SIGINT');
      expect((await second.exited).code).toBe(0);
    } finally {
      dir.remove();
    }
  });
});
