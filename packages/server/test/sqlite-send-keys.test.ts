import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '../../../test/kit/index.ts';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import { addUsers, countRows, newMessage } from './storage-fixtures.ts';

// Send keys are claimed in an append-only `send_log` and folded into `sends` in key order
// (send-keys.ts). Whatever stage a key is in, a retry must get the first result and nothing else
// may be sent twice: these tests retry keys while staged, while folding, after folding, after a
// crash that left the staging log behind, and after a batch that rolled a claim back.

const message = (id?: string) => newMessage(id === undefined ? {} : { id });

/** Rows in the staging log and the folded table. */
function tableCounts(dir: string): { staged: number; folded: number } {
  return { staged: countRows(dir, 'send_log'), folded: countRows(dir, 'sends') };
}

describe('sqlite send keys: staged, folded, recovered', () => {
  let dir: ReturnType<typeof tempDir>;
  const open: SqliteStorage[] = [];

  async function storage(foldAt = 8): Promise<SqliteStorage> {
    const s = new SqliteStorage({ dataDir: dir.path, sendKeyFoldAt: foldAt });
    await s.init();
    await addUsers(s);
    open.push(s);
    return s;
  }

  beforeEach(() => {
    dir = tempDir('cinder-send-keys-');
  });

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    dir.remove();
  });

  it('answers a retried key with the first result in every stage, and folds into sends', async () => {
    const s = await storage(8);
    const firsts = new Map<string, string>();
    // 40 keys from two devices, in bursts that share a transaction, so folds start and run
    // between them; every key is retried right away and again at the end.
    for (let burst = 0; burst < 8; burst++) {
      const sent = await Promise.all(
        Array.from({ length: 5 }, (_, i) => {
          const deviceId = i % 2 === 0 ? 'd_one' : 'd_two';
          const key = `k-${burst}-${i}`;
          return s
            .insertMessage({ deviceId, key, message: message(), at: 1_000 })
            .then((r) => ({ deviceId, key, r }));
        }),
      );
      for (const { deviceId, key, r } of sent) {
        expect(r.created).toBe(true);
        firsts.set(`${deviceId}/${key}`, r.result.id);
        const retry = await s.insertMessage({ deviceId, key, message: message(), at: 2_000 });
        expect(retry).toMatchObject({ created: false, result: { id: r.result.id } });
      }
    }
    // The same key from another device is another send.
    const other = await s.insertMessage({ deviceId: 'd_three', key: 'k-0-0', message: message(), at: 1_000 });
    expect(other.created).toBe(true);
    for (const [k, id] of firsts) {
      const [deviceId, key] = k.split('/') as [string, string];
      const retry = await s.insertMessage({ deviceId, key, message: message(), at: 3_000 });
      expect(retry).toMatchObject({ created: false, result: { id } });
    }
    // Folding runs a chunk per turn; with 8 per fold most keys are in `sends` by now.
    await waitFor(() => tableCounts(dir.path).folded >= 40, {
      timeout: 5_000,
      interval: 5,
      what: '40 of the 41 keys folded into sends',
    });
    const counts = tableCounts(dir.path);
    expect(counts.folded + counts.staged).toBe(41);
    expect(counts.staged).toBeLessThan(8);
  });

  it('keeps staged keys through a crash: the next start folds them before serving', async () => {
    const crashed = await storage(10_000);
    const sent = [];
    for (let i = 0; i < 6; i++) {
      sent.push(
        await crashed.insertMessage({ deviceId: 'd_one', key: `crash-${i}`, message: message(), at: 1_000 }),
      );
    }
    expect(tableCounts(dir.path)).toEqual({ staged: 6, folded: 0 });
    // A second process opens the same files while the first never closed (a crash leaves
    // exactly this: committed rows in send_log, nothing folded).
    const next = new SqliteStorage({ dataDir: dir.path, sendKeyFoldAt: 10_000 });
    await next.init();
    open.push(next);
    expect(tableCounts(dir.path)).toEqual({ staged: 0, folded: 6 });
    for (const [i, first] of sent.entries()) {
      const retry = await next.insertMessage({
        deviceId: 'd_one',
        key: `crash-${i}`,
        message: message(),
        at: 2_000,
      });
      expect(retry).toMatchObject({ created: false, result: { id: first.result.id } });
    }
    const fresh = await next.insertMessage({
      deviceId: 'd_one',
      key: 'crash-new',
      message: message(),
      at: 2_000,
    });
    expect(fresh.created).toBe(true);
  });

  it('forgets a claim whose send failed, so the key can be used again', async () => {
    const s = await storage(10_000);
    const id = 'm_same_id';
    // Three sends in one turn (one transaction). The second reuses the first's message id and
    // fails; its claim of `key-b` is rolled back, so the third, with `key-b` again, is a new send
    // in that same transaction, and `key-b` is taken by it afterwards.
    const [a, b, c] = await Promise.allSettled([
      s.insertMessage({ deviceId: 'd_one', key: 'key-a', message: message(id), at: 1_000 }),
      s.insertMessage({ deviceId: 'd_one', key: 'key-b', message: message(id), at: 1_000 }),
      s.insertMessage({ deviceId: 'd_one', key: 'key-b', message: message(), at: 1_000 }),
    ]);
    expect(a.status).toBe('fulfilled');
    expect(b.status).toBe('rejected');
    expect(c.status === 'fulfilled' && c.value.created).toBe(true);
    const third = c.status === 'fulfilled' ? c.value.result.id : '';
    const retryB = await s.insertMessage({ deviceId: 'd_one', key: 'key-b', message: message(), at: 2_000 });
    expect(retryB).toMatchObject({ created: false, result: { id: third } });
    const retryA = await s.insertMessage({ deviceId: 'd_one', key: 'key-a', message: message(), at: 2_000 });
    expect(retryA).toMatchObject({ created: false, result: { id } });
    expect(tableCounts(dir.path).staged).toBe(2);
  });

  it('folds everything at close, and prunes staged keys past retention', async () => {
    const s = await storage(10_000);
    await s.insertMessage({ deviceId: 'd_one', key: 'old', message: message(), at: 1_000 });
    await s.insertMessage({ deviceId: 'd_one', key: 'new', message: message(), at: 90_000 });
    const pruned = await s.prune(50_000);
    expect(pruned.sendKeys).toBe(1);
    expect(tableCounts(dir.path)).toEqual({ staged: 0, folded: 1 });
    const reused = await s.insertMessage({ deviceId: 'd_one', key: 'old', message: message(), at: 90_000 });
    expect(reused.created).toBe(true);
    const kept = await s.insertMessage({ deviceId: 'd_one', key: 'new', message: message(), at: 90_000 });
    expect(kept.created).toBe(false);
    await s.close();
    open.splice(open.indexOf(s), 1);
    expect(tableCounts(dir.path)).toEqual({ staged: 0, folded: 2 });
  });
});
