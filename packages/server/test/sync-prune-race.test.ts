import type { ServerFrame } from '@cinder/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/kit/index.ts';
import { DeviceSync } from '../src/core/sync.ts';
import { createLogger } from '../src/logger.ts';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import type { EventPage, NewMessage } from '../src/storage/storage.ts';
import { addUsers, bob, newMessage } from './storage-fixtures.ts';

/** Real SQLite storage whose first log read is preceded by a prune: the race, made certain. */
class PruneBeforeFirstRead extends SqliteStorage {
  pruneBefore: number | null = null;

  override async readEvents(userId: string, after: number, limit: number): Promise<EventPage> {
    if (this.pruneBefore !== null) {
      const before = this.pruneBefore;
      this.pruneBefore = null;
      await this.prune(before);
    }
    return super.readEvents(userId, after, limit);
  }
}

function message(n: number, sentAt: number): NewMessage {
  return newMessage({ id: `m_race_${n}`, sentAt, size: 4, text: 'text' });
}

describe('device sync: a prune racing a resume', () => {
  let dir: ReturnType<typeof tempDir>;
  let storage: PruneBeforeFirstRead;

  beforeEach(async () => {
    dir = tempDir('cinder-race-');
    storage = new PruneBeforeFirstRead({ dataDir: dir.path });
    await storage.init();
    await addUsers(storage);
  });

  afterEach(async () => {
    await storage.close();
    dir.remove();
  });

  it('resyncs a device whose accepted cursor was pruned past before its first read', async () => {
    // Old history (pruned below) and one recent message that survives the prune.
    for (let i = 0; i < 3; i++) {
      await storage.insertMessage({ deviceId: 'd_a', key: `k-${i}`, message: message(i, 1_000), at: 1_000 });
    }
    const cursor = (await storage.readEvents(bob.id, 0, 1)).last;
    await storage.insertMessage({ deviceId: 'd_a', key: 'k-new', message: message(9, 9_000), at: 9_000 });
    expect((await storage.logBounds()).floor).toBe(0);

    storage.pruneBefore = 5_000;
    const frames: ServerFrame[] = [];
    const sync = new DeviceSync({
      storage,
      userId: bob.id,
      deviceId: 'd_b',
      logger: createLogger('silent', null).logger,
      transport: {
        send: (f) => frames.push(f),
        writable: () => true,
        fail: () => frames.push({} as ServerFrame),
      },
    });
    await sync.start(cursor);

    expect((await storage.logBounds()).floor).toBeGreaterThan(cursor);
    const resync = frames.filter((f) => f.type === 'resync');
    expect(resync.length).toBeGreaterThan(0);
    // The resync lists every live message, the pruned-over ones included.
    const listed = resync.flatMap((f) => (f.type === 'resync' ? f.messages.map((m) => m.id) : []));
    expect(listed).toEqual(['m_race_0', 'm_race_1', 'm_race_2', 'm_race_9']);
    expect(frames.at(-1)?.type).toBe('synced');
  });
});
