import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient, register, sealedSendFrame, tempDir, testServer } from '../../../test/kit/index.ts';

const dirs: { remove(): void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

/** `path`'s permission bits, as `ls -l` would show them in octal. */
function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

/**
 * The mode of the data dir, of each file in it and of the log file; the files of a directory in
 * it (uploads in `blobs/`) as `blobs/*` (their names are random ids), which must agree.
 */
function modes(dataDir: string, logFile: string): Record<string, string> {
  const found: Record<string, string> = { '.': mode(dataDir), log: mode(logFile) };
  for (const name of readdirSync(dataDir)) {
    const path = join(dataDir, name);
    found[name] = mode(path);
    if (!statSync(path).isDirectory()) continue;
    const inner = new Set(readdirSync(path).map((file) => mode(join(path, file))));
    found[`${name}/*`] = [...inner].join(' ');
  }
  return found;
}

/** Start a server on these paths, store a burn message (so the WAL and its index exist), stop it. */
async function runOnce(dataDir: string, logFile: string): Promise<Record<string, string>> {
  await using server = await testServer({ dataDir, logFile, logLevel: 'info' });
  const alice = await register(server);
  const bob = await register(server);
  const a = await RawClient.connect(server.url, alice.token);
  await a.ok(await sealedSendFrame(a, alice.user.username, bob.user.username, 'for Bob only'));
  a.close();
  // An upload stopped half-way, so its file in blobs/ stays (it expires in an hour).
  const headers = { authorization: `Bearer ${alice.token}` };
  const created = await fetch(`${server.url}/v1/uploads`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ size: 100 }),
  });
  const { id } = (await created.json()) as { id: string };
  const put = await fetch(`${server.url}/v1/uploads/${id}?offset=0`, {
    method: 'PUT',
    headers: { ...headers, 'content-type': 'application/octet-stream' },
    body: new Uint8Array(10),
  });
  expect(put.status).toBe(200);
  return modes(dataDir, logFile);
}

describe('files are their owner’s alone', () => {
  it('creates the data dir 700 and the database, its WAL and index and the log file 600', async () => {
    const root = tempDir('cinder-modes-');
    dirs.push(root);
    const dataDir = join(root.path, 'data');
    const logFile = join(root.path, 'logs', 'cinder.log');
    const seen = await runOnce(dataDir, logFile);
    expect(seen).toEqual({
      '.': '700',
      log: '600',
      'cinder.db': '600',
      'cinder.db-wal': '600',
      'cinder.db-shm': '600',
      'vapid.json': '600',
      blobs: '700',
      'blobs/*': '600',
    });
    expect(mode(join(root.path, 'logs'))).toBe('700');
  });

  it('tightens a data dir and files an older version left readable to others', async () => {
    const root = tempDir('cinder-modes-');
    dirs.push(root);
    const dataDir = join(root.path, 'data');
    const logFile = join(root.path, 'cinder.log');
    await runOnce(dataDir, logFile);
    // What an older version left: a 755 dir, 644 files, and other files in the dir.
    writeFileSync(join(dataDir, 'cinder.db-journal'), '');
    writeFileSync(join(dataDir, 'notes.txt'), 'left by an older version');
    chmodSync(dataDir, 0o755);
    chmodSync(logFile, 0o644);
    for (const name of readdirSync(dataDir)) chmodSync(join(dataDir, name), 0o644);
    chmodSync(join(dataDir, 'blobs'), 0o755);
    for (const name of readdirSync(join(dataDir, 'blobs'))) chmodSync(join(dataDir, 'blobs', name), 0o644);
    expect(mode(join(dataDir, 'cinder.db'))).toBe('644');

    expect(await runOnce(dataDir, logFile)).toEqual({
      '.': '700',
      log: '600',
      'cinder.db': '600',
      'cinder.db-journal': '600',
      'cinder.db-wal': '600',
      'cinder.db-shm': '600',
      'notes.txt': '600',
      'vapid.json': '600',
      blobs: '700',
      'blobs/*': '600',
    });
  });
});
