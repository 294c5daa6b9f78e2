import { PostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';
import { runStorageContract } from './storage-contract.ts';

/** The contract's storage: `tails` as a node alone on its schema (the memory bus) keeps them. */
function contract(name: string, tails: boolean): void {
  runStorageContract(name, {
    create: async () => {
      const schema = uniqueSchema();
      const storage = new PostgresStorage({ url: TEST_DATABASE_URL, schema, scrubDelayMs: 50, tails });
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
}

await describeWithServices('postgres storage', ['postgres'], () => {
  contract('postgres', false);
  contract('postgres with log tails', true);
});
