import { createServer, connect as dial, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { expect, it } from 'vitest';
import { waitFor } from '../../../test/kit/index.ts';
import { MAX_NOTIFY_BYTES, PostgresBus } from '../src/bus/postgres-bus.ts';
import { openPgConnection } from '../src/bus/postgres-link.ts';
import { runNetworkBusContract } from './bus-contract.ts';
import { describeWithServices, TEST_DATABASE_URL, uniqueSchema } from './services.ts';

/**
 * A bus whose connections are named `cinder-bus-<role>-<tag>` in `pg_stat_activity`, so a test
 * can find and end them. Short backoff: the reconnect tests wait for it.
 */
async function connected(namespace: string, tag = ''): Promise<PostgresBus> {
  const bus = new PostgresBus({
    url: TEST_DATABASE_URL,
    namespace,
    open: (url, name) => openPgConnection(url, tag ? `${name}-${tag}` : name),
    backoff: { minMs: 20, maxMs: 200 },
  });
  await bus.connect();
  return bus;
}

/** Runs `sql` on a connection of its own (an administrator's, not the bus's). */
async function admin<R extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Ends the backend of a tagged bus's connection, as an administrator or a failover would. */
async function terminate(role: 'listener' | 'publisher', tag: string): Promise<void> {
  const rows = await admin<{ ok: boolean }>(
    'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
    [`cinder-bus-${role}-${tag}`],
  );
  expect(rows).toEqual([{ ok: true }]);
}

/**
 * A TCP relay in front of the test's PostgreSQL, so a test can take the database away from a bus
 * (`cut`: every connection dropped, new ones refused) and give it back (`restore`, same port).
 */
async function relay(): Promise<{
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}> {
  const target = new URL(TEST_DATABASE_URL);
  const sockets = new Set<Socket>();
  const serve = (): Server =>
    createServer((client) => {
      const upstream = dial(Number(target.port || 5432), target.hostname);
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        sockets.add(from);
        from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          sockets.delete(from);
          to.destroy();
        });
      }
    });
  const listen = (server: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  let server: Server | null = serve();
  const port = await listen(server, 0);
  const url = new URL(TEST_DATABASE_URL);
  url.host = `127.0.0.1:${port}`;
  const cut = async () => {
    const closing = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => closing?.close(resolve) ?? resolve(undefined));
  };
  return {
    url: url.href,
    cut,
    restore: async () => {
      server = serve();
      await listen(server, port);
    },
    close: cut,
  };
}

await describeWithServices('postgres bus', ['postgres'], () => {
  runNetworkBusContract('postgres', connected, uniqueSchema);

  it('delivers a burst from one publisher in publish order, with equal payloads kept apart', async () => {
    const namespace = uniqueSchema();
    const a = await connected(namespace);
    const b = await connected(namespace);
    try {
      const got: string[] = [];
      await b.subscribe('c', (p) => got.push(p));
      // Not awaited one by one: most of them queue behind the first statement and go together.
      const sent = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? 'same' : String(i)));
      await Promise.all(sent.map((p) => a.publish('c', p)));
      await waitFor(() => got.length === sent.length, { interval: 5, what: 'the 300 payloads' });
      expect(got).toEqual(sent);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("delivers a node's own publishes to its own subscribers once, in process, and to the others", async () => {
    const namespace = uniqueSchema();
    const a = await connected(namespace);
    const b = await connected(namespace);
    try {
      const own: string[] = [];
      const other: string[] = [];
      await a.subscribe('c', (p) => own.push(p));
      await b.subscribe('c', (p) => other.push(p));
      const published = Promise.all([a.publish('c', 'x'), a.publish('c', 'y')]);
      // Before PostgreSQL answered: in process, in order.
      await waitFor(() => own.length === 2, { interval: 1, what: 'the own payloads' });
      expect(own).toEqual(['x', 'y']);
      await published;
      await waitFor(() => other.length === 2, { interval: 5, what: 'the payloads on the other node' });
      // Sent after x and y were committed: PostgreSQL delivers to a's listener in commit order, so
      // once 'z' is heard the echoes of x and y have been read (and dropped).
      await b.publish('c', 'z');
      await waitFor(() => own.length === 3, { interval: 5, what: "the other node's payload" });
      expect(own).toEqual(['x', 'y', 'z']);
      expect(other).toEqual(['x', 'y', 'z']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses a payload over the NOTIFY limit loudly, counts it, and carries the largest that fits', async () => {
    const namespace = uniqueSchema();
    const a = await connected(namespace);
    const b = await connected(namespace);
    try {
      const got: string[] = [];
      await b.subscribe('c', (p) => got.push(p));
      await expect(a.publish('c', 'x'.repeat(8000))).rejects.toThrow(
        /Bus payload too large for PostgreSQL NOTIFY: \d+ bytes with its channel \(at most 7999\)/,
      );
      // A multi-byte character counts by its bytes.
      await expect(a.publish('c', 'é'.repeat(4000))).rejects.toThrow(/too large/);
      expect(a.state().publishFailures).toBe(2);
      // Framing: the bus's origin (8 characters), the sequence number, the channel's length and
      // the channel itself.
      const overhead = Buffer.byteLength(`${'o'.repeat(8)}:${(3).toString(36)}:1:c`);
      const largest = 'y'.repeat(MAX_NOTIFY_BYTES - overhead);
      await a.publish('c', largest);
      await a.publish('c', 'after');
      await waitFor(() => got.length === 2, { interval: 5, what: 'the largest payload and the next' });
      expect(got[0]).toBe(largest);
      expect(got[1]).toBe('after');
      // A refusal never took the publisher down.
      expect(a.state()).toMatchObject({ connected: true, reconnects: 0 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('rejects connect with a clear error when PostgreSQL cannot be reached', async () => {
    const bus = new PostgresBus({ url: 'postgres://postgres@127.0.0.1:1/test', namespace: uniqueSchema() });
    await expect(bus.connect()).rejects.toThrow(
      /Cannot connect the bus to PostgreSQL at 127\.0\.0\.1:1\/test: .*ECONNREFUSED/,
    );
    await bus.close();
  });

  it('reconnects after its LISTEN connection was terminated, announces it, and hears again', async () => {
    const namespace = uniqueSchema();
    const tag = Math.random().toString(36).slice(2, 10);
    const node = await connected(namespace, tag);
    const other = await connected(namespace);
    try {
      const heard: string[] = [];
      await node.subscribe('u', (p) => heard.push(p));
      let resubscribed = 0;
      node.onResubscribed(() => {
        resubscribed += 1;
      });
      await terminate('listener', tag);
      await waitFor(() => resubscribed > 0, { what: 'the resubscription' });
      expect(resubscribed).toBe(1);
      // The loss and the return are counted, and every connection answers again.
      expect(node.state()).toMatchObject({ connected: true, reconnects: 1, downSince: null });
      await node.ping();
      await other.publish('u', 'after');
      await waitFor(() => heard.length > 0, { what: 'the publish after the cut' });
      expect(heard).toEqual(['after']);
      expect(other.state()).toMatchObject({ connected: true, reconnects: 0 });
    } finally {
      await other.close();
      await node.close();
    }
  });

  it('reconnects its publisher after it was terminated, and publishes again', async () => {
    const namespace = uniqueSchema();
    const tag = Math.random().toString(36).slice(2, 10);
    const node = await connected(namespace, tag);
    const other = await connected(namespace);
    try {
      const heard: string[] = [];
      await other.subscribe('u', (p) => heard.push(p));
      let resubscribed = 0;
      node.onResubscribed(() => {
        resubscribed += 1;
      });
      await terminate('publisher', tag);
      await waitFor(() => node.state().reconnects === 1 && node.state().connected, {
        what: 'the publisher to come back',
      });
      await node.publish('u', 'after');
      await waitFor(() => heard.length > 0, { what: 'the publish after the cut' });
      expect(heard).toEqual(['after']);
      // Its listener never went away: nothing was missed, nobody needs waking.
      expect(resubscribed).toBe(0);
      expect(node.state()).toMatchObject({ connected: true, reconnects: 1, publishFailures: 0 });
    } finally {
      await other.close();
      await node.close();
    }
  });

  it('reports an outage of the database, fails publishes meanwhile, and resubscribes once it is back', async () => {
    const namespace = uniqueSchema();
    const path = await relay();
    const node = new PostgresBus({ url: path.url, namespace, backoff: { minMs: 20, maxMs: 200 } });
    await node.connect();
    const other = await connected(namespace);
    try {
      const heard: string[] = [];
      await node.subscribe('u', (p) => heard.push(p));
      let resubscribed = 0;
      node.onResubscribed(() => {
        resubscribed += 1;
      });
      await path.cut();
      await waitFor(() => !node.state().connected, { what: 'the bus to notice the outage' });
      expect(node.state().downSince).toBeTypeOf('number');
      await expect(node.ping()).rejects.toThrow(/down/);
      // Waits for the publisher, then fails with the next failed reconnect attempt, counted;
      // the node's own subscribers heard it all the same, in process.
      await expect(node.publish('u', 'lost')).rejects.toThrow();
      expect(node.state().publishFailures).toBeGreaterThanOrEqual(1);
      expect(heard).toEqual(['lost']);
      // Meanwhile the other node (not behind the relay) publishes to nobody on this node.
      await other.publish('u', 'missed');

      await path.restore();
      await waitFor(() => node.state().connected, { what: 'the bus to come back' });
      await waitFor(() => resubscribed > 0, { what: 'the resubscription' });
      expect(resubscribed).toBe(1);
      expect(node.state()).toMatchObject({ connected: true, reconnects: 2, downSince: null });
      await node.ping();
      await other.publish('u', 'after');
      await waitFor(() => heard.length >= 2, { what: 'the publish after the outage' });
      expect(heard).toEqual(['lost', 'after']);
      // And its publisher reaches the other node again.
      const atOther: string[] = [];
      await other.subscribe('u', (p) => atOther.push(p));
      await node.publish('u', 'own');
      await waitFor(() => atOther.length > 0, { what: "the node's publish at the other node" });
      expect(atOther).toEqual(['own']);
    } finally {
      await other.close();
      await node.close();
      await path.close();
    }
  });
});
