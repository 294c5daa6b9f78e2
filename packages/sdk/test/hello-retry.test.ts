import { afterAll, expect, it } from 'vitest';
import {
  describeWithServices,
  dropSchema,
  TEST_DATABASE_URL,
  uniqueSchema,
} from '../../server/test/services.ts';
import { StorageOutage } from '../../server/test/storage-outage.ts';
import { MemoryStore } from '../src/index.ts';
import { device, PASSWORD, testServer, uniqueName, waitFor } from './helpers.ts';

await describeWithServices('CinderClient during a storage outage', ['postgres'], () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it('retries a hello answered 1013 with backoff, keeps its device and messages, and resumes once storage is back', async () => {
    const schema = uniqueSchema('cinder_sdk_hello');
    schemas.push(schema);
    const server = await testServer({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema });
    const outage = await StorageOutage.of(schema);
    const store = new MemoryStore();
    const alice = device(server.url, { store, maxReconnectDelayMs: 500 });
    const bob = device(server.url);
    try {
      const aliceName = uniqueName('a');
      const bobName = uniqueName('b');
      await alice.client.register(aliceName, PASSWORD);
      await bob.client.register(bobName, PASSWORD);
      const before = await alice.client.send(bobName, 'before the outage');
      const identity = await store.getIdentity();
      expect(identity).not.toBeNull();

      // The next hello meets a storage failure after its token was found (and every later one
      // before): the server answers 1013, try again.
      await outage.onDeviceSeen();
      alice.net.cut();
      await waitFor(
        () => alice.net.closes.filter((code) => code === 1013).length >= 3,
        'three hellos answered 1013',
      );
      expect(alice.client.state).toBe('reconnecting');
      expect(alice.net.closes).not.toContain(4001);
      // Nothing was wiped: the device and its messages are still there.
      expect(await store.getIdentity()).toEqual(identity);
      expect((await alice.client.messages(bobName)).map((m) => m.id)).toContain(before.id);

      await outage.repair();
      await waitFor(() => alice.client.state === 'connected', 'connected again', 60_000);
      expect(alice.client.me?.deviceId).toBe(identity?.deviceId);
      const after = await alice.client.send(bobName, 'after the outage');
      await waitFor(() => bob.events.message.find((m) => m.id === after.id), 'bob receives it');
    } finally {
      await alice.client.close();
      await bob.client.close();
      await outage.close();
      await server.close();
    }
  });
});
