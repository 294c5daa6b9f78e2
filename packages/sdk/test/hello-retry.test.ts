import { afterAll, expect, it } from 'vitest';
import { Harness, waitFor } from '../../../test/kit/index.ts';
import {
  describeWithServices,
  dropSchema,
  TEST_DATABASE_URL,
  uniqueSchema,
} from '../../server/test/services.ts';
import { StorageOutage } from '../../server/test/storage-outage.ts';
import { MemoryStore } from '../src/index.ts';

await describeWithServices('CinderClient during a storage outage', ['postgres'], () => {
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it('retries a hello answered 1013 with backoff, keeps its device and messages, and resumes once storage is back', async () => {
    const schema = uniqueSchema('cinder_sdk_hello');
    schemas.push(schema);
    await using h = await Harness.start({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema });
    const outage = await StorageOutage.of(schema);
    const store = new MemoryStore();
    try {
      const alice = await h.user(undefined, { store, maxReconnectDelayMs: 500 });
      const bob = await h.user();
      const bobName = bob.name;
      const before = await alice.client.send(bobName, 'before the outage');
      const identity = await store.getIdentity();
      expect(identity).not.toBeNull();

      // The next hello meets a storage failure after its token was found (and every later one
      // before): the server answers 1013, try again.
      await outage.onDeviceSeen();
      alice.net.cut();
      await waitFor(() => alice.net.closes.filter((code) => code === 1013).length >= 3, {
        what: 'three hellos answered 1013',
      });
      expect(alice.client.state).toBe('reconnecting');
      expect(alice.net.closes).not.toContain(4001);
      // Nothing was wiped: the device and its messages are still there.
      expect(await store.getIdentity()).toEqual(identity);
      expect((await alice.client.messages(bobName)).map((m) => m.id)).toContain(before.id);

      await outage.repair();
      await waitFor(() => alice.client.state === 'connected', { what: 'connected again', timeout: 60_000 });
      expect(alice.client.me?.deviceId).toBe(identity?.deviceId);
      const after = await alice.client.send(bobName, 'after the outage');
      await waitFor(() => bob.events.message.find((m) => m.id === after.id), { what: 'bob receives it' });
    } finally {
      await outage.close();
    }
  });
});
