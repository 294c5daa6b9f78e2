import { afterEach, expect, it } from 'vitest';
import webPush from 'web-push';
import { PostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';

await describeWithServices('postgres push keys', ['postgres'], () => {
  const schemas: string[] = [];
  const storages: PostgresStorage[] = [];
  afterEach(async () => {
    for (const s of storages.splice(0)) await s.close();
    for (const s of schemas.splice(0)) await dropSchema(s);
  });

  it('gives every node of a cluster the one VAPID key pair, also when they start at once', async () => {
    const schema = uniqueSchema('cinder_vapid');
    schemas.push(schema);
    const nodes = Array.from({ length: 4 }, () => new PostgresStorage({ url: TEST_DATABASE_URL, schema }));
    storages.push(...nodes);
    await Promise.all(nodes.map((n) => n.init()));
    // Each node makes a pair of its own; the first kept is the one all of them get.
    const keys = await Promise.all(nodes.map((n) => n.push.vapidKeys(() => webPush.generateVAPIDKeys())));
    expect(new Set(keys.map((k) => k.publicKey)).size).toBe(1);
    expect(new Set(keys.map((k) => k.privateKey)).size).toBe(1);
    // A node started later reads it too.
    const later = new PostgresStorage({ url: TEST_DATABASE_URL, schema });
    storages.push(later);
    await later.init();
    expect(await later.push.vapidKeys(() => webPush.generateVAPIDKeys())).toEqual(keys[0]);
  });
});
