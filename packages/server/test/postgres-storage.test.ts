import { PostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';
import { runStorageContract } from './storage-contract.ts';

await describeWithServices('postgres storage', ['postgres'], () => {
  runStorageContract('postgres', {
    create: async () => {
      const schema = uniqueSchema();
      const storage = new PostgresStorage({ url: TEST_DATABASE_URL, schema, scrubDelayMs: 50 });
      await storage.init();
      return {
        storage,
        cleanup: async () => {
          await storage.close();
          await dropSchema(schema);
        },
      };
    },
  });
});
