import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { postgresQueriesTotal } from '../src/storage/postgres/node-postgres.ts';
import { PostgresStorage } from '../src/storage/postgres/postgres-storage.ts';
import type { InsertInput, NewMessage } from '../src/storage/storage.ts';
import { describeWithServices, dropSchema, TEST_DATABASE_URL, uniqueSchema } from './services.ts';
import { addDevices, addUsers, alice, bob, hourBurn, newMessage, party } from './storage-fixtures.ts';

// Calls made in one turn run as one batch (one transaction, multi-row statements). Each call must
// still get what it would get alone, after the calls queued before it.

function send(message: NewMessage, key = `k-${message.id}`): InsertInput {
  return { deviceId: 'd_alice', key, message, at: message.sentAt };
}

await describeWithServices('postgres storage: calls of one turn in one batch', ['postgres'], () => {
  let schema: string;
  let storage: PostgresStorage;

  beforeEach(async () => {
    schema = uniqueSchema();
    storage = new PostgresStorage({ url: TEST_DATABASE_URL, schema, scrub: 'off' });
    await storage.init();
    await addUsers(storage);
    await addDevices(storage, alice.id, ['d_alice']);
    await addDevices(storage, bob.id, ['d_bob', 'd_bob2']);
  });

  afterEach(async () => {
    await storage.close();
    await dropSchema(schema);
  });

  /** Bob's open (or another user's, on another device) at t = 5 s. */
  function open(id: string, userId = bob.id, deviceId = 'd_bob', at = 5_000) {
    return storage.openMessage({ id, userId, deviceId, at });
  }

  it('stores 50 sends of one turn with a few statements, in order in both logs', async () => {
    const messages = Array.from({ length: 50 }, (_, i) =>
      newMessage({ text: `m${i}`, ...(i % 2 ? { burn: hourBurn } : {}) }),
    );
    const before = postgresQueriesTotal();
    const outcomes = await Promise.all(messages.map((m) => storage.insertMessage(send(m))));
    const statements = postgresQueriesTotal() - before;
    expect(outcomes.every((o) => o.created)).toBe(true);
    expect(outcomes.map((o) => o.result.id)).toEqual(messages.map((m) => m.id));
    // Alone, a send is 4 statements (BEGIN, claim and insert, append, COMMIT): 200; a batch needs a few.
    expect(statements).toBeLessThan(50);
    for (const user of [alice, bob]) {
      const page = await storage.readEvents(user.id, 0, 100);
      expect(page.events.map((e) => e.event.kind === 'message' && e.event.message.id)).toEqual(
        messages.map((m) => m.id),
      );
    }
    const { messages: live } = await storage.listLiveMessages(bob.id, null, 100);
    expect(live.map((m) => m.id)).toEqual(messages.map((m) => m.id));
    // Burn content is kept apart and comes back once, on open.
    expect(await open(messages[1]?.id ?? '')).toMatchObject({ kind: 'taken', text: 'm1' });
    expect(await open(messages[0]?.id ?? '')).toMatchObject({ kind: 'read', text: 'm0' });
  });

  it('answers a key sent twice in one turn with the first result, storing one message', async () => {
    const first = newMessage({ text: 'first' });
    const retry = newMessage({ text: 'retry' });
    const [a, b] = await Promise.all([
      storage.insertMessage(send(first, 'same-key')),
      storage.insertMessage(send(retry, 'same-key')),
    ]);
    expect(a).toMatchObject({ created: true, result: { id: first.id } });
    expect(b).toMatchObject({ created: false, result: { id: first.id } });
    const { messages: live } = await storage.listLiveMessages(bob.id, null, 10);
    expect(live.map((m) => m.id)).toEqual([first.id]);
  });

  it('fails only the send whose upload cannot be attached; the others of its turn are stored', async () => {
    const upload = 'f_complete';
    await storage.uploads.create({
      id: upload,
      deviceId: 'd_alice',
      size: 10,
      createdAt: 1_000,
      expiresAt: 10_000,
    });
    await storage.uploads.append(upload, 0, randomBytes(10));
    const attachment = (id: string) => ({ upload: id, view: { kind: 'file' as const, size: 10 } });
    const good = newMessage({ attachment: attachment(upload) });
    const bad = newMessage({ attachment: attachment('f_made_up') });
    const plain = [newMessage(), newMessage()];
    const settled = await Promise.allSettled(
      [good, bad, ...plain].map((m) => storage.insertMessage(send(m))),
    );
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'BAD_REQUEST' });
    const { messages: live } = await storage.listLiveMessages(bob.id, null, 10);
    expect(live.map((m) => m.id)).toEqual([good.id, ...plain.map((m) => m.id)]);
    expect((await storage.uploads.get(upload))?.messageId).toBe(good.id);
  });

  it('gives a burn message opened twice in one turn to one opener only', async () => {
    const m = newMessage({ text: 'once', burn: hourBurn });
    await storage.insertMessage(send(m));
    const outcomes = await Promise.all(
      ['d_bob', 'd_bob2', 'd_bob', 'd_bob2'].map((deviceId) => open(m.id, bob.id, deviceId)),
    );
    expect(outcomes.filter((o) => o.kind === 'taken')).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ kind: 'taken', text: 'once' });
    for (const o of outcomes.slice(1))
      expect(o).toMatchObject({ kind: 'refused', refusal: { code: 'BURNED' } });
  });

  it('decides each open of a mixed turn as it would alone', async () => {
    const burn = newMessage({ text: 'burn', burn: hourBurn });
    const normal = newMessage({ text: 'normal' });
    const late = newMessage({ text: 'late', burn: { ttlSeconds: 1, viewSeconds: 0, expiresAt: 2_000 } });
    const foreign = newMessage({ text: 'not yours', burn: hourBurn });
    for (const m of [burn, normal, late, foreign]) await storage.insertMessage(send(m));
    const carol = party('carol');
    await addUsers(storage, [carol]);
    const outcomes = await Promise.all([
      open(burn.id),
      open(normal.id),
      open(late.id),
      open(foreign.id, carol.id, 'd_carol'),
      open('m_made_up'),
    ]);
    expect(outcomes[0]).toMatchObject({ kind: 'taken', text: 'burn' });
    expect(outcomes[1]).toMatchObject({ kind: 'read', text: 'normal', wake: [alice.id] });
    expect(outcomes[2]).toMatchObject({
      kind: 'refused',
      burned: [{ messageId: late.id, reason: 'expired' }],
    });
    expect(outcomes[3]).toMatchObject({ kind: 'refused', refusal: { code: 'NOT_FOUND' } });
    expect(outcomes[4]).toMatchObject({ kind: 'refused', refusal: { code: 'NOT_FOUND' } });
    // The message Carol could not open is untouched: Bob still opens it.
    expect(await open(foreign.id, bob.id, 'd_bob', 6_000)).toMatchObject({
      kind: 'taken',
      text: 'not yours',
    });
    const kinds = (await storage.readEvents(alice.id, 0, 100)).events.map((e) => e.event.kind);
    expect(kinds.filter((k) => k === 'burned')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'receipt')).toHaveLength(1);
  });

  it('reads many logs in one turn, each page its own', async () => {
    const users = Array.from({ length: 6 }, (_, i) => party(`u${i}`));
    await addUsers(storage, users);
    for (const [i, user] of users.entries()) {
      for (let n = 0; n <= i; n++) {
        const m = newMessage({ from: alice, to: user, conversation: `dm:alice:${user.username}` });
        await storage.insertMessage(send(m));
      }
    }
    const pages = await Promise.all(
      users.map((user, i) => storage.readEvents(user.id, 0, i === 5 ? 3 : 100)),
    );
    expect(pages.map((p) => p.events.length)).toEqual([1, 2, 3, 4, 5, 3]);
    expect(pages.map((p) => p.more)).toEqual([false, false, false, false, false, true]);
    for (const [i, page] of pages.entries()) {
      for (const { event } of page.events) {
        expect(event.kind === 'message' && event.message.to).toBe(users[i]?.username);
      }
    }
    const empty = await Promise.all([
      storage.readEvents('u_nobody', 0, 10),
      storage.readEvents(bob.id, 10_000, 10),
    ]);
    expect(empty).toEqual([
      { events: [], last: 0, more: false },
      { events: [], last: 10_000, more: false },
    ]);
  });

  it('answers lookups of one turn each for its own user, and writes each device’s highest ack by close', async () => {
    const [a, none, b] = await Promise.all([
      storage.accounts.findUserByUsername('alice'),
      storage.accounts.findUserByUsername('nobody'),
      storage.accounts.findUserByUsername('bob'),
    ]);
    expect([a?.id, none, b?.id]).toEqual([alice.id, null, bob.id]);
    // A send's lookup of its recipient (user, block, key directory) is one statement for a turn.
    await storage.accounts.block(bob.id, alice.id, 1);
    const before = postgresQueriesTotal();
    const peers = await Promise.all([
      ...Array.from({ length: 20 }, () => storage.accounts.findPeer('bob', alice.id)),
      storage.accounts.findPeer('alice', bob.id),
      storage.accounts.findPeer('nobody', bob.id),
    ]);
    // 22 alone; one more may be the storage's periodic scrub check landing in the window.
    expect(postgresQueriesTotal() - before).toBeLessThanOrEqual(2);
    expect(peers.map((p) => p && [p.id, p.blocksAsker, p.keys])).toEqual([
      ...Array.from({ length: 20 }, () => [bob.id, true, []]),
      [alice.id, false, []],
      null,
    ]);
    // Acks are written behind (once a second, and at close), each device's highest only.
    await Promise.all([
      storage.accounts.setDeviceCursor('d_bob', 7),
      storage.accounts.setDeviceCursor('d_bob', 5),
      storage.accounts.setDeviceCursor('d_bob2', 3),
    ]);
    await storage.accounts.setDeviceCursor('d_bob', 6);
    await storage.close();
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    const { rows } = await client
      .query<{ id: string; cursor: string }>(
        `SELECT id, cursor FROM ${schema}.devices WHERE user_id = $1 ORDER BY id`,
        [bob.id],
      )
      .finally(() => client.end());
    expect(rows.map((r) => [r.id, Number(r.cursor)])).toEqual([
      ['d_bob', 7],
      ['d_bob2', 3],
    ]);
  });
});
