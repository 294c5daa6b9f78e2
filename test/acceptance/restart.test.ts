import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CinderClient, CinderError, MemoryStore } from '@cinder/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerProcess, waitFor } from '../kit/index.ts';

describe('restart', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  it('messages survive SIGTERM, burns stay burned, clients reconnect and resume by themselves', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cinder-restart-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const srv = new ServerProcess(dataDir);
    await srv.start(0);
    cleanup.push(() => srv.stop('SIGKILL'));

    const alice = new CinderClient({ url: srv.url, store: new MemoryStore() });
    const bob = new CinderClient({ url: srv.url, store: new MemoryStore() });
    cleanup.push(
      () => alice.close(),
      () => bob.close(),
    );
    const bobGot: string[] = [];
    const bobBurned: string[] = [];
    bob.on('message', (m) => bobGot.push(m.id));
    bob.on('burned', (b) => bobBurned.push(b.messageId));
    await alice.register('alice', 'alice-long-password');
    await bob.register('bob', 'bob-long-password');

    const burned = await alice.send('bob', 'burn me', { burn: true });
    await waitFor(() => bobGot.includes(burned.id));
    await bob.open(burned.id);
    await waitFor(() => bobBurned.includes(burned.id));
    // Bob goes away; Alice sends while he is offline.
    await bob.close();
    const stored = await alice.send('bob', 'sent before the restart');
    const sealed = await alice.send('bob', 'sealed before the restart', { burn: true });

    expect(await srv.stop('SIGTERM')).toBe(0);
    await waitFor(() => alice.state === 'reconnecting', { what: 'alice to notice' });
    // A send while the server is down waits for the connection instead of failing.
    const during = alice.send('bob', 'sent during the restart');
    await srv.start(srv.port);

    const duringSent = await during;
    await waitFor(() => alice.state === 'connected', { what: 'alice to reconnect by herself' });
    await bob.connect();
    await waitFor(() => bobGot.includes(duringSent.id), { what: 'delivery after restart' });
    expect(bobGot).toContain(stored.id);
    expect(bobGot).toContain(sealed.id);
    const list = await bob.messages('alice');
    expect(list.map((m) => m.id)).toEqual([stored.id, sealed.id, duringSent.id]);
    expect(list.find((m) => m.id === sealed.id)?.text).toBeUndefined();
    // The burn from before the restart stays a burn.
    const err = await bob.open(burned.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CinderError);
    expect((err as CinderError).code).toBe('BURNED');
    expect((await bob.open(sealed.id)).text).toBe('sealed before the restart');
  });
});
