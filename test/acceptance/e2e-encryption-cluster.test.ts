/**
 * End-to-end encryption of burn messages (docs/crypto.md) on a cluster: two server processes on
 * one PostgreSQL schema and one Redis prefix, Alice and Bob on different nodes. What PostgreSQL
 * holds (rows, a dump, the data directory's files with pg_wal) and what both nodes log, opens
 * racing from two nodes, a copy of the envelope rows taken before the open, and a device key
 * substituted in the database while the servers run. The SQLite cases are in
 * e2e-encryption.test.ts.
 */
import { readFileSync } from 'node:fs';
import type { Envelope, OpenResult } from '@cinder/protocol';
import { CinderError, generateDeviceKeys } from '@cinder/sdk';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { locate, sql } from '../../packages/server/test/postgres-files.ts';
import {
  describeWithServices,
  dropSchema,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniquePrefix,
  uniqueSchema,
} from '../../packages/server/test/services.ts';
import {
  type ChildServer,
  type Device,
  device,
  failure,
  filesUnder,
  type KeyedSession,
  login,
  marker,
  openedContent,
  passwordOf,
  RawClient,
  register,
  sealedSendFrame,
  spawnServer,
  type TempDir,
  tempDir,
  username,
  waitFor,
} from '../kit/index.ts';
import {
  attack,
  captureOutput,
  count,
  decryptAsDevice,
  envelopeSent,
  type Form,
  formsIn,
  formsOf,
  harvest,
  merge,
  pgDump,
  postgresRows,
  scanDir,
} from './e2e-evidence.ts';

// Starting two server processes, or reading the whole PostgreSQL data directory a few times, takes
// minutes at a load average of 20.
const SLOW_MS = 300_000;

/**
 * The PostgreSQL data directory, when this process can read it (the tests run as root beside the
 * cluster). Elsewhere it is unreadable: the tests then search the rows and a pg_dump only, and say
 * so once.
 */
const located = await locate();
const pgDataDir = located !== null && typeof located === 'object' ? located.dataDir : null;
if (typeof located === 'string') {
  console.warn(
    `\n${'!'.repeat(78)}\n!! e2e-encryption-cluster: ${located}; searching rows and pg_dump only.\n${'!'.repeat(78)}\n`,
  );
}

interface Node {
  server: ChildServer;
  url: string;
  dataDir: string;
  /** Everything the process logged since it listened. */
  output: () => string;
}

await describeWithServices('e2e encryption on two nodes (PostgreSQL + Redis)', ['postgres', 'redis'], () => {
  const schema = uniqueSchema('cinder_e2e');
  const prefix = uniquePrefix();
  const dirs: TempDir[] = [];
  const nodes: Node[] = [];
  const release: Array<() => unknown> = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const dir = tempDir('cinder-e2e-node-');
      dirs.push(dir);
      // Trace: the most the server ever logs, so a plaintext logged at any level would show.
      const server = await spawnServer([
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--data-dir',
        dir.path,
        '--database-url',
        TEST_DATABASE_URL,
        '--database-schema',
        schema,
        '--redis-url',
        TEST_REDIS_URL,
        '--redis-prefix',
        prefix,
        '--log-level',
        'trace',
      ]);
      nodes.push({ server, url: server.url, dataDir: dir.path, output: captureOutput(server) });
    }
  }, SLOW_MS);

  afterEach(async () => {
    for (const step of release.splice(0).reverse()) await step();
  });

  afterAll(async () => {
    for (const node of nodes) await node.server[Symbol.asyncDispose]();
    await dropSchema(schema);
    for (const dir of dirs) dir.remove();
  });

  function node(i: 0 | 1): Node {
    const n = nodes[i];
    if (!n) throw new Error('the cluster did not start');
    return n;
  }

  /** An SDK client on `on` that registers a new account (or signs in to `existing` as a new device). */
  async function sdk(on: Node, existing?: string): Promise<Device> {
    const d = device(on.url);
    release.push(() => d.client.close());
    const name = existing ?? username('e2e');
    if (existing) await d.client.login(name, passwordOf(name));
    else await d.client.register(name, passwordOf(name));
    d.name = name;
    return d;
  }

  async function raw(on: Node, session: KeyedSession): Promise<RawClient> {
    const client = await RawClient.connect(on.url, session.token);
    release.push(() => client.close());
    return client;
  }

  /**
   * Search everything PostgreSQL holds of the cluster for `forms`: the schema's rows, a pg_dump
   * of it, the data directory's files (pg_wal too) after a checkpoint, and both nodes' data dirs.
   * Returns the hits by place.
   */
  async function searchDatabase(forms: readonly Form[]): Promise<Record<string, string[]>> {
    const rows = (await postgresRows(TEST_DATABASE_URL, schema)).join('\n');
    const found: Record<string, string[]> = {
      rows: formsIn(rows, forms),
      dump: formsIn(pgDump(TEST_DATABASE_URL, schema), forms),
      nodes: nodes.flatMap((n) => scanDir(n.dataDir, forms).hits),
    };
    if (pgDataDir) {
      await sql('CHECKPOINT');
      const scan = scanDir(pgDataDir, forms);
      expect(scan.files).toBeGreaterThan(0);
      found.files = scan.hits;
    }
    return found;
  }

  /** Which of `labels` (the forms' name prefixes) some hit of each place names. */
  function byMarker(found: Record<string, string[]>, label: string): Record<string, boolean> {
    return Object.fromEntries(
      Object.entries(found).map(([place, hits]) => [place, hits.some((h) => h.includes(`${label} `))]),
    );
  }

  it(
    'the sender’s frames, the rows, a dump, the data directory’s files (pg_wal too) and both nodes’ logs never hold the text or ext',
    async () => {
      const alice = await sdk(node(0));
      const bob = await sdk(node(1));
      const text = marker();
      const extValue = marker();
      const plain = marker();
      const forms = [...formsOf(text, 'text'), ...formsOf(extValue, 'ext'), ...formsOf(plain, 'plain')];
      const nowhere = { rows: false, dump: false, nodes: false, ...(pgDataDir ? { files: false } : {}) };
      // The normal message's text is stored where the server stores content: each search finds
      // it (nodes' data dirs aside, unused with PostgreSQL), so a search that finds nothing means it.
      const everywhere = { rows: true, dump: true, nodes: false, ...(pgDataDir ? { files: true } : {}) };

      const normal = await alice.client.send(bob.name, plain);
      const sent = await alice.client.send(bob.name, text, {
        burn: { ttlSeconds: 600, viewSeconds: 0 },
        ext: { secret: extValue },
      });
      expect(envelopeSent(alice, sent.id).keys).toHaveLength(1);
      const written = alice.net.sent.map((f) => JSON.stringify(f)).join('\n');
      expect(formsIn(written, formsOf(text, 'text'))).toEqual([]);
      expect(formsIn(written, formsOf(extValue, 'ext'))).toEqual([]);
      expect(formsIn(written, formsOf(plain, 'plain'))).not.toEqual([]);

      const beforeOpen = await searchDatabase(forms);
      expect(byMarker(beforeOpen, 'text')).toEqual(nowhere);
      expect(byMarker(beforeOpen, 'ext')).toEqual(nowhere);
      expect(byMarker(beforeOpen, 'plain')).toEqual(everywhere);

      for (const m of [normal, sent]) {
        await waitFor(() => bob.events.message.find((x) => x.id === m.id), { what: 'the messages at Bob' });
      }
      expect(await bob.client.open(sent.id)).toMatchObject({ text, ext: { secret: extValue } });
      await waitFor(() => alice.events.burned.find((b) => b.messageId === sent.id), {
        what: 'the burn at Alice',
      });

      const afterOpen = await searchDatabase(forms);
      expect(byMarker(afterOpen, 'text')).toEqual(nowhere);
      expect(byMarker(afterOpen, 'ext')).toEqual(nowhere);
      expect(byMarker(afterOpen, 'plain')).toEqual(everywhere);

      // Both nodes logged the message (stored on Alice's node, burned on Bob's), never its content.
      const logs = () => nodes.map((n) => n.output()).join('\n');
      await waitFor(() => nodes.every((n) => n.output().includes(sent.id)), {
        what: 'both nodes’ log lines',
      });
      expect(formsIn(logs(), formsOf(text, 'text'))).toEqual([]);
      expect(formsIn(logs(), formsOf(extValue, 'ext'))).toEqual([]);
    },
    SLOW_MS,
  );

  it('opens racing from Bob’s devices on the two nodes: one wins and decrypts, the other gets BURNED, round after round', async () => {
    const alice = await sdk(node(0));
    const bobB = await sdk(node(1));
    const bobA = await sdk(node(0), bobB.name);
    const wins = { A: 0, B: 0 };
    for (let round = 0; round < 6; round++) {
      const text = marker();
      const sent = await alice.client.send(bobB.name, text, { burn: true });
      const envelope = envelopeSent(alice, sent.id);
      expect(envelope.keys).toHaveLength(2);
      for (const d of [bobA, bobB]) {
        await waitFor(() => d.events.message.find((m) => m.id === sent.id), {
          what: `round ${round} at Bob`,
        });
      }
      // Started in either order on alternate rounds.
      const racers = round % 2 === 0 ? [bobA, bobB] : [bobB, bobA];
      const results = await Promise.allSettled(racers.map((d) => d.client.open(sent.id)));
      const won = results.flatMap((r, i) =>
        r.status === 'fulfilled' ? [{ r, d: racers[i] as Device }] : [],
      );
      expect(won, `round ${round}: one winner`).toHaveLength(1);
      const winner = won[0];
      expect(winner?.r.status === 'fulfilled' && winner.r.value.text).toBe(text);
      wins[winner?.d === bobA ? 'A' : 'B'] += 1;
      for (const [i, r] of results.entries()) {
        if (r.status === 'fulfilled') continue;
        expect(r.reason).toBeInstanceOf(CinderError);
        expect((r.reason as CinderError).code, `round ${round}: the loser`).toBe('BURNED');
        // The envelope went to the winner alone.
        expect(count((racers[i] as Device).net.raw, envelope.k2)).toBe(0);
      }
      await waitFor(() => alice.events.burned.find((b) => b.messageId === sent.id), {
        what: 'the burn at Alice',
      });
    }
    expect(wins.A + wins.B).toBe(6);
  });

  it(
    'a copy of the envelope rows taken before the open, plus rows, dump, files and frames after the burn, does not decrypt without a recipient device’s private key',
    async () => {
      const aliceS = await register(node(0));
      const bob1S = await register(node(1));
      const bobName = bob1S.user.username;
      const bob2S = await login(node(0), bobName);
      const parties = { from: aliceS.user.username, to: bobName };
      const outbound: string[] = [];
      const alice = await raw(node(0), aliceS);
      const bob1 = await raw(node(1), bob1S);
      const bob2 = await raw(node(0), bob2S);

      const text = marker();
      const extValue = marker();
      const frame = await sealedSendFrame(alice, parties.from, bobName, text, {
        burn: { ttlSeconds: 600 },
        ext: { secret: extValue },
      });
      outbound.push(JSON.stringify(frame));
      const envelope = frame.sealed as Envelope;
      const sent = await alice.ok<{ id: string }>(frame);
      await bob1.waitForEvent((e) => e.kind === 'message' && e.message.id === sent.id);

      // The copy: the schema's rows and a dump, read before the open.
      const copyRows = await postgresRows(TEST_DATABASE_URL, schema);
      const copied = harvest([...copyRows, pgDump(TEST_DATABASE_URL, schema)]);
      const inCopy = copied.envelopes.find((e) => e.k2 === envelope.k2);
      expect(inCopy).toMatchObject({ id: envelope.id, ct: envelope.ct });
      expect(inCopy?.keys.map((k) => k.device).sort()).toEqual([bob1S.device.id, bob2S.device.id].sort());

      const bob3S = await login(node(1), bobName);
      const openFrame = { type: 'open', rid: 'the-open', id: sent.id };
      outbound.push(JSON.stringify(openFrame));
      const reply = await bob1.request(openFrame);
      expect(reply.type).toBe('reply');
      expect(await openedContent((reply as { result: OpenResult }).result, bob1S)).toEqual({
        text,
        ext: { secret: extValue },
      });
      for (const c of [alice, bob2])
        await c.waitForEvent((e) => e.kind === 'burned' && e.messageId === sent.id);
      for (const c of [alice, bob1, bob2]) await c.settle();

      // After the burn the envelope is gone from the rows and from a dump; the files keep what they keep.
      const afterRows = await postgresRows(TEST_DATABASE_URL, schema);
      const afterDump = pgDump(TEST_DATABASE_URL, schema);
      expect(harvest(afterRows).envelopes.filter((e) => e.id === envelope.id)).toEqual([]);
      expect(count([...afterRows, afterDump], envelope.k2)).toBe(0);
      const files: Array<string | Buffer> = nodes.flatMap((n) =>
        filesUnder(n.dataDir).map((f) => readFileSync(f)),
      );
      if (pgDataDir) {
        await sql('CHECKPOINT');
        for (const f of filesUnder(pgDataDir)) {
          try {
            files.push(readFileSync(f));
          } catch {
            // removed since the walk
          }
        }
      }
      const frames = [...outbound, ...alice.raw, ...bob1.raw, ...bob2.raw];
      const everything = merge(
        copied,
        harvest(afterRows),
        harvest([afterDump]),
        harvest(files),
        harvest(frames),
      );
      // Other tests' messages share the cluster's files: attack this message's envelope.
      const ours = {
        envelopes: everything.envelopes.filter((e) => e.id === envelope.id),
        shares: everything.shares,
      };
      expect(ours.envelopes.length).toBeGreaterThanOrEqual(1);

      const stranger = await generateDeviceKeys(false);
      const tried = await attack(ours, parties, [stranger, aliceS.keys, bob3S.keys]);
      expect(tried.recovered).toEqual([]);
      expect(tried.shareAloneTries).toBeGreaterThanOrEqual(1);
      expect(tried.hpkeTries).toBeGreaterThanOrEqual(2 * 3);

      const payload = JSON.stringify({ text, ext: { secret: extValue } });
      expect(await decryptAsDevice(copied, parties, { id: bob2S.device.id, keys: bob2S.keys })).toEqual([
        payload,
      ]);
      expect(
        await decryptAsDevice(harvest(frames), parties, { id: bob1S.device.id, keys: bob1S.keys }),
      ).toContain(payload);
    },
    SLOW_MS,
  );

  it('a device key substituted in the database triggers keyChange at the sender, changes the safety number and drops the verified mark', async () => {
    const alice = await sdk(node(0));
    const bob = await sdk(node(1));
    const number = await alice.client.safetyNumber(bob.name);
    expect(number).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(await bob.client.safetyNumber(alice.name)).toBe(number);
    await alice.client.markVerified(bob.name, number);
    const verified = await alice.client.keyStatus(bob.name);
    expect(verified).toMatchObject({ safetyNumber: number, verified: true });
    const bobDevice = verified.devices[0];
    if (!bobDevice) throw new Error('Bob has no keyed device');
    expect(alice.events.keyChange).toEqual([]);

    // The server's side: Bob's device row gets another key while both servers run.
    const mallory = await generateDeviceKeys(false);
    const updated = await sql(
      `UPDATE "${schema}".devices SET public_key = $1 WHERE id = $2`,
      TEST_DATABASE_URL,
      [mallory.publicKey, bobDevice.id],
    );
    expect(updated.rowCount).toBe(1);

    // Alice's next burn send notices before it sends.
    const sendsBefore = alice.net.sent.filter((f) => f.type === 'send').length;
    let sendsAtChange = -1;
    const off = alice.client.on('keyChange', () => {
      sendsAtChange = alice.net.sent.filter((f) => f.type === 'send').length;
    });
    const text = marker();
    const sent = await alice.client.send(bob.name, text, { burn: true });
    off();
    expect(alice.events.keyChange).toEqual([{ username: bob.name, at: expect.any(Number), verified: true }]);
    expect(sendsAtChange).toBe(sendsBefore);
    const status = await alice.client.keyStatus(bob.name);
    expect(status.verified).toBe(false);
    expect(status.safetyNumber).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(status.safetyNumber).not.toBe(number);
    expect(status.devices.map((d) => d.id)).toEqual([bobDevice.id]);
    expect(status.devices[0]?.fingerprint).not.toBe(bobDevice.fingerprint);
    expect((await failure(alice.client.markVerified(bob.name, number))).code).toBe('CONFLICT');
    // Asking again is no new change.
    expect(await alice.client.safetyNumber(bob.name)).toBe(status.safetyNumber);
    expect(alice.events.keyChange).toHaveLength(1);
    // Comparing numbers shows it: Bob computes his own part from his own key, not from the
    // directory the server altered, so his number is not the one Alice now sees.
    const bobsNumber = await bob.client.safetyNumber(alice.name);
    expect(bobsNumber).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(bobsNumber).not.toBe(status.safetyNumber);
    expect(bobsNumber).toBe(number);

    // The substitution is real: the message was sealed to the substituted key, which opens it from
    // the stored envelope; Bob's own device cannot decrypt it.
    const rows = await postgresRows(TEST_DATABASE_URL, schema);
    const parties = { from: alice.name, to: bob.name };
    expect(await decryptAsDevice(harvest(rows), parties, { id: bobDevice.id, keys: mallory })).toEqual([
      JSON.stringify({ text, ext: {} }),
    ]);
    await waitFor(() => bob.events.message.find((m) => m.id === sent.id), { what: 'the message at Bob' });
    expect((await failure(bob.client.open(sent.id))).code).toBe('DECRYPT_FAILED');
  });
});
