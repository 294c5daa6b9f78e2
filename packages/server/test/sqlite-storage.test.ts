import { tempDir } from '../../../test/kit/index.ts';
import { SqliteStorage } from '../src/storage/sqlite/sqlite-storage.ts';
import { runStorageContract } from './storage-contract.ts';

runStorageContract('sqlite', {
  create: async () => {
    const dir = tempDir('cinder-sqlite-');
    const storage = new SqliteStorage({ dataDir: dir.path });
    await storage.init();
    return {
      storage,
      cleanup: async () => {
        await storage.close();
        dir.remove();
      },
    };
  },
});
