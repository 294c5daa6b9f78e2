import 'fake-indexeddb/auto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IndexedDbStore, MemoryStore } from '../src/index.ts';
import { FileStore } from '../src/node.ts';
import { message, runStoreContract } from './store-contract.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cinder-sdk-store-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

let dbCount = 0;

runStoreContract('MemoryStore', { create: () => new MemoryStore() });
runStoreContract('FileStore', {
  create: async () => new FileStore(join(await tempDir(), 'nested', 'device.json')),
  reopen: (store) => new FileStore((store as FileStore).path),
});
runStoreContract('IndexedDbStore', {
  create: () => new IndexedDbStore(`cinder-test-${++dbCount}`),
  reopen: (store) => new IndexedDbStore((store as IndexedDbStore).name),
});

describe('FileStore on disk', () => {
  const burn = { ttlSeconds: 60, viewSeconds: 0, expiresAt: 61_000 };

  it('drops the sender’s burn text from the file once the message burns', async () => {
    const path = join(await tempDir(), 'alice.json');
    const store = new FileStore(path);
    const secret = 'own-burn-text-4f1c9e';
    await store.commit({
      putMessages: [message({ id: 'b1', from: 'alice', to: 'bob', mine: true, burn, text: secret })],
    });
    expect(await readFile(path, 'utf8')).toContain(secret);
    await store.commit({
      deleteMessages: ['b1'],
      putTombstones: [{ id: 'b1', conversation: 'dm:alice:bob', reason: 'opened', at: 2 }],
    });
    const file = await readFile(path, 'utf8');
    expect(file).not.toContain(secret);
    expect(file).toContain('"b1"');
    // No temp file is left behind holding an older copy.
    expect(await readdir(join(path, '..'))).toEqual(['alice.json']);
  });

  it('never writes the content of a received burn message', async () => {
    const path = join(await tempDir(), 'bob.json');
    const store = new FileStore(path);
    await store.commit({ putMessages: [message({ id: 'b1', burn, text: 'received-secret-77' })] });
    expect(await readFile(path, 'utf8')).not.toContain('received-secret-77');
  });

  it('creates the file readable by its owner only (it holds the device token)', async () => {
    const path = join(await tempDir(), 'mode.json');
    await new FileStore(path).commit({ cursor: 1 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('removes a temp file left by a crash mid-write', async () => {
    const dir = await tempDir();
    const path = join(dir, 'crash.json');
    await writeFile(`${path}.tmp`, 'half-written text of a deleted message');
    const store = new FileStore(path);
    expect(await store.getCursor()).toBeNull();
    expect(await readdir(dir)).toEqual([]);
  });

  it('coalesces concurrent commits and keeps all of them', async () => {
    const path = join(await tempDir(), 'many.json');
    const store = new FileStore(path);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.commit({ putMessages: [message({ id: `m${i}` })] })),
    );
    const again = new FileStore(path);
    expect(await again.listMessages()).toHaveLength(50);
  });

  it('refuses a file that is not a store instead of overwriting it', async () => {
    const path = join(await tempDir(), 'notes.json');
    await writeFile(path, '{"something":"else"}');
    await expect(new FileStore(path).getCursor()).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await readFile(path, 'utf8')).toBe('{"something":"else"}');
  });
});
