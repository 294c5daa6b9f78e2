// The deployment guide's cluster, run as written: two nodes configured from
// docs/deploy/cinder-node.env behind a real nginx running docs/deploy/nginx.conf (see
// deploy-cluster.ts). Clients only ever talk to nginx.
import { request } from 'node:https';
import { connect as netConnect } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { ROUTES } from '@cinder/protocol';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import {
  type Device,
  deployToolsPresent,
  device,
  marker,
  passwordOf,
  RawClient,
  register,
  sendFrame,
  username,
  waitFor,
} from '../../../test/kit/index.ts';
import { type GuideCluster, guideCluster } from './deploy-cluster.ts';
import { describeWithServices, TEST_DATABASE_URL } from './services.ts';

const SUITE = 'deployment: two nodes behind the guide’s nginx';

/** Upstreams (node host:port) that served the requests of nginx's access log matching `request`. */
function upstreamsOf(cluster: GuideCluster, request: RegExp): Set<string> {
  const served = new Set<string>();
  for (const line of cluster.nginx.accessLog().split('\n')) {
    const upstream = /upstream=(\S+)/.exec(line)?.[1];
    if (upstream && request.test(line)) served.add(upstream);
  }
  return served;
}

/**
 * A request through nginx from a loopback address of the caller's choosing (Linux routes all of
 * 127/8 to lo), as a client at that address would; extra headers are sent as given.
 */
function requestFrom(
  cluster: GuideCluster,
  from: string,
  method: 'GET' | 'POST',
  path: string,
  body = '',
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: string }> {
  const url = new URL(path, cluster.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        localAddress: from,
        ca: cluster.nginx.ca,
        agent: false,
        headers: { 'content-type': 'application/json', ...headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A request nginx is busy with and no node sees: its headers announce a body that never comes,
 * so nginx holds it, reading, until `client_body_timeout`. Resolves once the headers are sent.
 */
function heldRequest(cluster: GuideCluster, from: string): Promise<TLSSocket> {
  const url = new URL(cluster.url);
  return new Promise((resolve, reject) => {
    const tcp = netConnect({ host: url.hostname, port: Number(url.port), localAddress: from });
    const socket = tlsConnect({ socket: tcp, ca: cluster.nginx.ca });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      socket.write(
        `POST ${ROUTES.login} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`,
        () => resolve(socket),
      );
    });
  });
}

function credentials(name: string): string {
  return JSON.stringify({ username: name, password: passwordOf(name) });
}

if (await deployToolsPresent(SUITE, ['nginx', 'openssl'])) {
  await describeWithServices(SUITE, ['postgres', 'redis'], () => {
    const release: Array<() => unknown> = [];
    afterEach(async () => {
      for (const step of release.splice(0).reverse()) await step();
    });

    /** An SDK device through nginx, signed up as a fresh user; closed after the test. */
    async function user(cluster: GuideCluster): Promise<Device> {
      const d = device(cluster.url);
      release.push(() => d.client.close());
      d.name = username();
      await d.client.register(d.name, passwordOf(d.name));
      return d;
    }

    async function start(options: Parameters<typeof guideCluster>[0] = {}): Promise<GuideCluster> {
      const cluster = await guideCluster(options);
      release.push(() => cluster[Symbol.asyncDispose]());
      return cluster;
    }

    it('serves sign-up, sign-in and WebSockets through nginx, on both nodes: a burn round trip', async () => {
      const cluster = await start();
      const alice = await user(cluster);
      const bob = await user(cluster);
      const bob2 = device(cluster.url);
      release.push(() => bob2.client.close());
      await bob2.client.login(bob.name, passwordOf(bob.name));

      const text = marker();
      const sent = await alice.client.send(bob.name, text, { burn: { ttlSeconds: 600 } });
      for (const d of [bob, bob2]) {
        const message = await waitFor(() => d.events.message.find((m) => m.id === sent.id), {
          what: `the sealed message on ${d === bob ? 'bob' : "bob's second device"}`,
        });
        expect(message.text).toBeUndefined();
      }
      expect((await bob.client.open(sent.id)).text).toBe(text);
      for (const d of [alice, bob, bob2]) {
        await waitFor(() => d.events.burned.find((b) => b.messageId === sent.id && b.reason === 'opened'), {
          what: 'burned on every device',
        });
      }
      // Only the opener's reply carried the text through nginx.
      for (const d of [alice, bob2]) expect(d.net.raw.join('')).not.toContain(text);

      // No node served it all: least_conn gives each new WebSocket to the node with fewer open,
      // so the devices' sockets were spread over both, and the burn crossed them. nginx logs a
      // WebSocket when it closes.
      for (const d of [alice, bob, bob2]) await d.client.close();
      const nodes = cluster.nodes.map((node) => `127.0.0.1:${node.port}`).sort();
      await waitFor(() => [...upstreamsOf(cluster, /"GET \/v1\/ws /)].sort().join() === nodes.join(), {
        what: 'WebSockets served by both nodes in nginx’s access log',
      });
    });

    // Longer than the default: it starts a node process, restarts a node and waits out nginx's
    // fail_timeout, which at a load of 20 took 90 s.
    it('moves devices between nodes in a rolling restart and a crash, losing no event (no sticky sessions)', {
      timeout: 240_000,
    }, async () => {
      // The first node is stopped gracefully (as systemd's SIGTERM does in an upgrade), the
      // second, a child process, is killed.
      const cluster = await start({ spawned: (i) => i === 1 });
      const [first, second] = cluster.nodes as [GuideCluster['nodes'][0], GuideCluster['nodes'][0]];
      const alice = await user(cluster);
      const bob = await user(cluster);
      const sent: string[] = [];
      const texts = new Map<string, string>();

      /** Bob away, `stop` the node, Alice sends three, Bob back: he gets them from the other node. */
      async function whileBobAway(stop: () => Promise<void>): Promise<void> {
        bob.net.offline = true;
        bob.net.cut();
        await waitFor(() => bob.client.state !== 'connected', { what: 'bob disconnected' });
        await stop();
        // Alice's socket may have been on the stopped node: her sends wait for the reconnect
        // (through nginx, to the node still running).
        for (let i = 0; i < 3; i++) {
          const text = marker();
          const message = await alice.client.send(bob.name, text, { burn: { ttlSeconds: 600 } });
          sent.push(message.id);
          texts.set(message.id, text);
        }
        bob.net.offline = false;
        await waitFor(() => sent.every((id) => bob.events.message.some((m) => m.id === id)), {
          what: 'every message on bob after his reconnect',
        });
      }

      // 1. A rolling upgrade's first step: the first node stops. Only the second runs, so both
      // devices are on it once they are connected again.
      await whileBobAway(() => first.stop('SIGTERM'));
      const early = sent[0] as string;
      expect((await bob.client.open(early)).text).toBe(texts.get(early));
      await waitFor(() => alice.events.burned.find((b) => b.messageId === early), {
        what: 'burned on alice',
      });

      // 2. The first node is back on its port. As the guide's upgrade steps say, the next node
      // stops only once nginx sends traffic to this one again (it skips a node for
      // fail_timeout after a refused connect). Then the second crashes: both devices move to
      // the first, which serves the messages the second stored.
      await first.start();
      await waitFor(
        async () => {
          await fetch(`${cluster.url}${ROUTES.health}`);
          return upstreamsOf(cluster, /"GET \/healthz /).has(`127.0.0.1:${first.port}`);
        },
        { what: 'nginx to send requests to the restarted node', interval: 250 },
      );
      await whileBobAway(() => second.stop('SIGKILL'));
      for (const id of [sent[1] as string, sent[4] as string]) {
        expect((await bob.client.open(id)).text).toBe(texts.get(id));
        for (const d of [alice, bob]) {
          await waitFor(() => d.events.burned.find((b) => b.messageId === id && b.reason === 'opened'), {
            what: 'burned on both devices',
          });
        }
      }
      await alice.settle();
      await bob.settle();
      // Nothing lost, nothing twice: each message reached Bob once, each burn each device once.
      expect(bob.events.message.map((m) => m.id).sort()).toEqual([...sent].sort());
      for (const d of [alice, bob]) {
        expect(d.events.burned.map((b) => b.messageId).sort()).toEqual([early, sent[1], sent[4]].sort());
      }
      // Alice moved too: she was on the second node when it crashed (on it from the start, or
      // moved there while the first was down).
      expect(alice.net.closes.length).toBeGreaterThanOrEqual(1);
    });

    it('counts rate limits per client behind nginx (--trust-proxy 1), across both nodes', async () => {
      const cluster = await start({ env: { CINDER_REGISTRATIONS_PER_HOUR: '2' } });
      const path = ROUTES.register;
      // Two sign-ups from one client pass (nginx sends them to one node each), the third is
      // refused: the limit is per client address and shared by the nodes through Redis.
      for (let i = 0; i < 2; i++) {
        expect((await requestFrom(cluster, '127.0.0.2', 'POST', path, credentials(username()))).status).toBe(
          201,
        );
      }
      expect((await requestFrom(cluster, '127.0.0.2', 'POST', path, credentials(username()))).status).toBe(
        429,
      );
      // An X-Forwarded-For the client wrote itself stays left of nginx's entry and is ignored.
      const spoofed = await requestFrom(cluster, '127.0.0.2', 'POST', path, credentials(username()), {
        'x-forwarded-for': '198.51.100.7',
      });
      expect(spoofed.status).toBe(429);
      // Another client behind the same nginx is not limited by the first one's count.
      expect((await requestFrom(cluster, '127.0.0.3', 'POST', path, credentials(username()))).status).toBe(
        201,
      );
      expect(upstreamsOf(cluster, /^127\.0\.0\.2 "POST \/v1\/accounts /).size).toBe(2);
    });

    it('redirects plain HTTP to HTTPS; refuses oversized bodies and a client’s 257th connection itself', async () => {
      const cluster = await start();
      const redirect = await fetch(`${cluster.nginx.httpUrl}${ROUTES.login}`, { redirect: 'manual' });
      expect(redirect.status).toBe(301);
      expect(redirect.headers.get('location')).toBe(`https://127.0.0.1${ROUTES.login}`);

      // A body at the API's own limit reaches a node, which answers in JSON.
      const name = username();
      const padded = JSON.stringify({ username: name, password: 'p'.repeat(16 * 1024 - 60) });
      const atLimit = await requestFrom(cluster, '127.0.0.1', 'POST', ROUTES.login, padded);
      expect(atLimit.type).toMatch(/^application\/json/);
      expect(atLimit.status).not.toBe(413);
      // Past client_max_body_size nginx answers 413 itself (an HTML page, not the API's JSON).
      const huge = await requestFrom(cluster, '127.0.0.1', 'POST', ROUTES.login, 'x'.repeat(65 * 1024));
      expect(huge.status).toBe(413);
      expect(huge.type).toMatch(/^text\/html/);

      // The nodes do not cap connections per address behind a proxy (--trust-proxy), so nginx
      // does: with 256 requests of one client in progress, its next is refused with 429 while
      // another client is served.
      const held = await Promise.all(Array.from({ length: 256 }, () => heldRequest(cluster, '127.0.0.4')));
      try {
        await waitFor(
          async () => (await requestFrom(cluster, '127.0.0.4', 'GET', ROUTES.health)).status === 429,
          {
            what: 'the 257th request of one client refused',
          },
        );
        expect((await requestFrom(cluster, '127.0.0.5', 'GET', ROUTES.health)).status).toBe(200);
      } finally {
        for (const socket of held) socket.destroy();
      }
      await waitFor(
        async () => (await requestFrom(cluster, '127.0.0.4', 'GET', ROUTES.health)).status === 200,
        {
          what: 'the client served again once its requests ended',
        },
      );
    });

    // Longer than the default: bursts of sends until both pools are seen full (70 s at a load of 20).
    it('opens at most --database-pool-size PostgreSQL connections per node', {
      timeout: 240_000,
    }, async () => {
      const pools = [2, 5];
      const cluster = await start({
        nodeEnv: (i) => ({ CINDER_DATABASE_POOL_SIZE: String(pools[i]) }),
      });
      const names = [cluster.applicationName(0), cluster.applicationName(1)];
      const observer = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await observer.connect();
      release.push(() => observer.end());
      const most = [0, 0];
      const sample = async () => {
        const { rows } = await observer.query<{ name: string; n: number }>(
          `SELECT application_name AS name, count(*)::int AS n FROM pg_stat_activity
           WHERE application_name = ANY($1) GROUP BY application_name`,
          [names],
        );
        for (const row of rows) {
          const i = names.indexOf(row.name);
          most[i] = Math.max(most[i] ?? 0, row.n);
        }
      };

      // Eight sockets through nginx (least_conn puts four on each node), each with ten sends in
      // flight at once, until the larger pool is seen fuller than the smaller one can be: then
      // the load was enough to fill both, and the smaller cap is what held the first node. A pool
      // keeps an idle connection for 10 s, so sampling while a burst runs sees every one.
      // One device's token on every socket: sign-ups cost a password hash each, sockets nothing.
      const target = await register({ url: cluster.url });
      const sender = await register({ url: cluster.url });
      const clients = await Promise.all(
        Array.from({ length: 8 }, () => RawClient.connect(cluster.url, sender.token)),
      );
      for (const client of clients) release.push(() => client.close());
      const send = async (client: RawClient) => {
        // Generous: at a load of 20 a burst through a pool of two takes a while.
        const answer = await client.request(sendFrame(target.user.username, 'load'), 60_000);
        if (answer.type !== 'reply') throw new Error(`send refused: ${answer.code}`);
      };
      await waitFor(
        async () => {
          let done = false;
          const burst = Promise.all(
            clients.flatMap((client) => Array.from({ length: 10 }, () => send(client))),
          );
          const settled = burst.then(
            () => (done = true),
            () => (done = true),
          );
          await waitFor(
            async () => {
              await sample();
              return done;
            },
            { what: 'a burst of sends', interval: 50, timeout: 60_000 },
          );
          await settled;
          await burst;
          return (most[1] ?? 0) > (pools[0] ?? 0) && most[0] === pools[0];
        },
        { what: 'both pools full under load', timeout: 100_000 },
      );
      expect(most[0]).toBe(pools[0]);
      expect(most[1]).toBeLessThanOrEqual(pools[1] ?? 0);
    });
  });
}
