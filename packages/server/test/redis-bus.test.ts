import { Redis } from 'ioredis';
import { expect, it } from 'vitest';
import { waitFor } from '../../../test/kit/index.ts';
import { RedisBus, type RedisConnection } from '../src/bus/redis-bus.ts';
import { runNetworkBusContract } from './bus-contract.ts';
import { describeWithServices, TEST_REDIS_URL, uniquePrefix } from './services.ts';

async function connected(prefix: string): Promise<RedisBus> {
  const bus = new RedisBus({ url: TEST_REDIS_URL, prefix });
  await bus.connect();
  return bus;
}

await describeWithServices('redis bus', ['redis'], () => {
  runNetworkBusContract('redis', connected, uniquePrefix);

  it('resubscribes a channel unsubscribed and subscribed again in one breath', async () => {
    const prefix = uniquePrefix();
    const a = await connected(prefix);
    const b = await connected(prefix);
    try {
      const got: string[] = [];
      const stop = await b.subscribe('c', () => got.push('first'));
      // The UNSUBSCRIBE and the new SUBSCRIBE go out back to back on one connection.
      const stopping = stop();
      const again = b.subscribe('c', (p) => got.push(p));
      await stopping;
      await again;
      await a.publish('c', 'after');
      await waitFor(() => got.length > 0, { interval: 5, what: 'the publish after resubscribing' });
      expect(got).toEqual(['after']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('rejects connect with a clear error when Redis cannot be reached', async () => {
    const bus = new RedisBus({ url: 'redis://127.0.0.1:1', prefix: uniquePrefix() });
    await expect(bus.connect()).rejects.toThrow(/Cannot connect to Redis at 127\.0\.0\.1:1: ECONNREFUSED/);
    await bus.close();
  });

  it('announces a resubscription after its subscriber connection was cut, and hears again', async () => {
    const prefix = uniquePrefix();
    const opened: Redis[] = [];
    const node = new RedisBus({
      url: TEST_REDIS_URL,
      prefix,
      open: (url) => {
        const redis = new Redis(url, { lazyConnect: true, connectionName: 'cinder-test' });
        opened.push(redis);
        return redis as unknown as RedisConnection;
      },
    });
    await node.connect();
    const other = await connected(prefix);
    const admin = new Redis(TEST_REDIS_URL);
    try {
      const heard: string[] = [];
      await node.subscribe('u', (p) => heard.push(p));
      let resubscribed = 0;
      node.onResubscribed(() => {
        resubscribed += 1;
      });
      // The subscriber is the second connection opened; cut it from the server side.
      const port = opened[1]?.stream?.localPort;
      expect(port).toBeTypeOf('number');
      await admin.call('CLIENT', 'KILL', 'ADDR', `127.0.0.1:${port}`);
      await waitFor(() => resubscribed > 0, { what: 'the resubscription' });
      expect(resubscribed).toBe(1);
      // The loss and the return are counted, and every connection answers again.
      await waitFor(() => node.state().connected, { what: 'the bus to reconnect' });
      expect(node.state()).toMatchObject({ connected: true, reconnects: 1, downSince: null });
      await node.ping();
      await other.publish('u', 'after');
      await waitFor(() => heard.length > 0, { what: 'the publish after the cut' });
      expect(heard).toEqual(['after']);
    } finally {
      admin.disconnect();
      await other.close();
      await node.close();
    }
  });
});
