import { CinderError } from '@cinder/protocol';
import { afterAll, expect, it } from 'vitest';
import {
  codeOf,
  failure,
  Harness,
  passwordOf,
  RawClient,
  username,
  waitFor,
} from '../../../test/kit/index.ts';
import type { ServerOptions } from '../src/config.ts';
import { sql } from './postgres-files.ts';
import { describeOnStorages, storageBackends } from './services.ts';
import { readDatabase } from './storage-fixtures.ts';

/** A look at the rows of the storage under test. */
interface Readers {
  /** Rows of `table` where `column` is `value`, in the storage the harness's server uses. */
  rows(h: Harness, table: string, column: string, value: string): Promise<number>;
}

// Each test runs one server, on the storage made last.
const backends = storageBackends<Readers>('cinder_acct', {
  sqlite: () => ({
    rows: async (h, table, column, value) =>
      readDatabase(
        h.server.dataDir,
        (db) =>
          (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).get(value) as { n: number })
            .n,
      ),
  }),
  postgres: (backend) => ({
    rows: async (_h, table, column, value) => {
      const { rows } = await sql(
        `SELECT count(*) AS n FROM "${backend.schema}".${table} WHERE ${column} = $1`,
        undefined,
        [value],
      );
      return Number((rows[0] as { n: string }).n);
    },
  }),
});

await describeOnStorages('account features', backends, (backend) => {
  afterAll(() => backend.cleanup());
  const start = (options: ServerOptions = {}) => Harness.start({ ...backend.options(), ...options });

  it('changes the password: other devices are signed out, this one stays, the new password signs in', async () => {
    await using h = await start();
    const alice = await h.user();
    const other = await h.device(alice.name);
    const offline = await h.device(alice.name);
    await offline.client.close();
    const bob = await h.user();
    // A raw socket of the other device: it is closed as a revoked device's is.
    const raw = await RawClient.connect(h.url, (await other.store.getIdentity())?.token ?? '');
    const next = `${passwordOf(alice.name)}-changed`;

    await alice.client.changePassword(passwordOf(alice.name), next);

    expect(await raw.closed).toMatchObject({ code: 4001 });
    await waitFor(() => other.client.state === 'unauthorized', { what: 'other device signed out' });
    await expect(offline.client.connect()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // This device still works.
    expect((await alice.client.devices()).map((d) => d.current)).toEqual([true]);
    const sent = await alice.client.send(bob.name, 'still signed in');
    await waitFor(() => bob.events.message.some((m) => m.id === sent.id), { what: 'delivery' });
    // The old password no longer signs in; the new one does.
    expect(await codeOf(h.client().client.login(alice.name, passwordOf(alice.name)))).toBe('UNAUTHORIZED');
    const again = h.client();
    await again.client.login(alice.name, next);
    expect(again.client.state).toBe('connected');
  });

  it('refuses a wrong current password with UNAUTHORIZED, rate-limited like login, and signs nobody out', async () => {
    await using h = await start({ rateLimits: { loginFailuresPerAccountAndAddress: 2 } });
    const alice = await h.user();
    const other = await h.device(alice.name);
    const error = await alice.client
      .changePassword('not-the-password', 'a-new-long-password')
      .catch((e) => e);
    expect(error).toBeInstanceOf(CinderError);
    expect((error as CinderError).code).toBe('UNAUTHORIZED');
    expect(await codeOf(alice.client.changePassword('still-not-it', 'a-new-long-password'))).toBe(
      'UNAUTHORIZED',
    );
    // Over the limit: refused before the password is checked, even the right one.
    expect(await codeOf(alice.client.changePassword(passwordOf(alice.name), 'a-new-long-password'))).toBe(
      'RATE_LIMITED',
    );
    // A new password that registration would refuse is BAD_REQUEST.
    const bob = await h.user();
    expect(await codeOf(bob.client.changePassword(passwordOf(bob.name), 'short'))).toBe('BAD_REQUEST');
    expect(other.client.state).toBe('connected');
    expect(await alice.client.devices()).toHaveLength(2);
    expect(await backend.rows(h, 'devices', 'user_id', alice.client.me?.userId ?? '')).toBe(2);
  });

  it('blocks a user: their sends and key reads fail exactly as for an unknown user, and nothing of them is stored', async () => {
    await using h = await start();
    const alice = await h.user();
    const aliceOffline = await h.device(alice.name);
    await aliceOffline.client.close();
    const mallory = await h.user();
    const carol = await h.user();
    const before = await mallory.client.send(alice.name, 'sent before the block');
    await waitFor(() => alice.events.message.some((m) => m.id === before.id), { what: 'delivery' });

    await alice.client.block(mallory.name);
    await alice.client.block(mallory.name); // again: no change
    expect((await alice.client.blocked()).map((b) => b.username)).toEqual([mallory.name]);

    const nobody = username();
    const unknownNormal = await failure(mallory.client.send(nobody, 'hello'));
    const unknownBurn = await failure(mallory.client.send(nobody, 'hello', { burn: true }));
    expect(unknownNormal).toEqual({ code: 'NOT_FOUND', message: 'No such user' });
    expect(await failure(mallory.client.send(alice.name, 'hello'))).toEqual(unknownNormal);
    expect(await failure(mallory.client.send(alice.name, 'hello', { burn: true }))).toEqual(unknownBurn);
    // The key directory over the raw wire: the same error frame as for an unknown name.
    const raw = await RawClient.connect(h.url, (await mallory.store.getIdentity())?.token ?? '');
    const keysOf = async (name: string) => {
      const { rid: _rid, ...answer } = (await raw.request({ type: 'keys', username: name })) as {
        rid?: string;
      } & Record<string, unknown>;
      return answer;
    };
    expect(await keysOf(alice.name)).toEqual(await keysOf(nobody));
    expect(await keysOf(alice.name)).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
    raw.close();

    // Others still reach alice, and alice still reaches mallory; the blocked user hears nothing.
    const fromCarol = await carol.client.send(alice.name, 'from carol');
    await waitFor(() => alice.events.message.some((m) => m.id === fromCarol.id), { what: 'carol' });
    await alice.settle();
    expect(alice.events.message.map((m) => m.from)).toEqual([mallory.name, carol.name]);
    expect(await backend.rows(h, 'messages', 'sender_id', mallory.client.me?.userId ?? '')).toBe(1);
    // A device of alice that was offline syncs the message from before the block, and nothing after.
    await aliceOffline.client.connect();
    expect((await aliceOffline.client.messages(mallory.name)).map((m) => m.id)).toEqual([before.id]);

    // Unblocked: mallory reaches alice again.
    await alice.client.unblock(mallory.name);
    expect(await alice.client.blocked()).toEqual([]);
    const after = await mallory.client.send(alice.name, 'after the unblock');
    await waitFor(() => alice.events.message.some((m) => m.id === after.id), { what: 'after unblock' });
    // Unknown names and oneself are refused.
    expect(await codeOf(alice.client.block(nobody))).toBe('NOT_FOUND');
    expect(await codeOf(alice.client.block(alice.name))).toBe('BAD_REQUEST');
  });

  it('with read receipts off, the sender gets delivered but never read; burns still burn; not reciprocal', async () => {
    await using h = await start();
    const alice = await h.user();
    const bob = await h.user();
    const bob2 = await h.device(bob.name);
    expect(await bob.client.settings()).toEqual({ readReceipts: true });
    await bob.client.setReadReceipts(false);
    // One setting for the account: its other devices read quietly too.
    expect(await bob2.client.settings()).toEqual({ readReceipts: false });

    const opened = await alice.client.send(bob.name, 'opened quietly');
    const marked = await alice.client.send(bob.name, 'marked read quietly');
    const burn = await alice.client.send(bob.name, 'a burn message', { burn: true });
    await waitFor(() => bob.events.message.length === 3, { what: 'delivery to bob' });
    await waitFor(() => bob2.events.message.length === 3, { what: 'delivery to bob2' });
    expect((await bob.client.open(opened.id)).text).toBe('opened quietly');
    await bob2.client.markRead(marked.id);
    await bob.client.open(burn.id);
    // The burn comes after the quiet reads in alice's log: once she has it, any read receipt
    // would have arrived before it.
    await waitFor(() => alice.events.burned.some((b) => b.messageId === burn.id), { what: 'burn' });
    await waitFor(
      () => [opened.id, marked.id].every((id) => alice.events.receipt.some((r) => r.messageId === id)),
      { what: 'delivered receipts' },
    );
    expect(alice.events.receipt.filter((r) => r.type === 'read')).toEqual([]);
    expect(alice.events.receipt.filter((r) => r.type === 'delivered').map((r) => r.messageId)).toEqual(
      expect.arrayContaining([opened.id, marked.id]),
    );

    // Not reciprocal: bob still gets alice's read receipts.
    const fromBob = await bob.client.send(alice.name, 'to alice');
    await waitFor(() => alice.events.message.some((m) => m.id === fromBob.id), { what: 'to alice' });
    await alice.client.markRead(fromBob.id);
    await waitFor(() => bob.events.receipt.some((r) => r.messageId === fromBob.id && r.type === 'read'), {
      what: "alice's read receipt",
    });

    // Back on: the next read sends its receipt.
    await bob.client.setReadReceipts(true);
    const later = await alice.client.send(bob.name, 'read loudly');
    await waitFor(() => bob.events.message.some((m) => m.id === later.id), { what: 'later' });
    await bob.client.markRead(later.id);
    await waitFor(() => alice.events.receipt.some((r) => r.messageId === later.id && r.type === 'read'), {
      what: 'read receipt',
    });
    expect(alice.events.receipt.filter((r) => r.type === 'read').map((r) => r.messageId)).toEqual([later.id]);
  });

  it('recalls a normal message within the window: every device of both users drops it and hears `recalled`', async () => {
    let skew = 0;
    await using h = await start({ now: () => Date.now() + skew, recallWindowSeconds: 120 });
    const alice = await h.user();
    const alice2 = await h.device(alice.name);
    const bob = await h.user();
    const bob2 = await h.device(bob.name);
    const bobLate = await h.device(bob.name);
    await bobLate.client.close(); // offline from before the send: never gets the text
    const text = `recall me ${Math.random()}`;
    const sent = await alice.client.send(bob.name, text, { ext: { note: 'x' } });
    await waitFor(() => bob2.events.message.some((m) => m.id === sent.id), { what: 'delivery to bob2' });
    await waitFor(() => alice2.events.message.some((m) => m.id === sent.id), { what: 'copy on alice2' });
    await bob2.client.close(); // had it, offline during the recall

    // Only the sender; a burn message is revoked, not recalled.
    expect(await failure(bob.client.recall(sent.id))).toEqual({
      code: 'FORBIDDEN',
      message: 'Only the sender may recall a message',
    });
    const burn = await alice.client.send(bob.name, 'burn', { burn: true });
    expect(await codeOf(alice.client.recall(burn.id))).toBe('BAD_REQUEST');

    await alice.client.recall(sent.id);
    expect(await alice.client.message(sent.id)).toBeNull();
    const expected = { messageId: sent.id, conversation: sent.conversation, by: alice.name };
    for (const d of [alice, alice2, bob]) {
      await waitFor(() => d.events.recalled.length > 0, { what: 'recalled' });
      expect(d.events.recalled).toEqual([{ ...expected, at: expect.any(Number) }]);
      expect(await d.client.message(sent.id)).toBeNull();
      expect(JSON.stringify(await d.client.messages(d === bob ? alice.name : bob.name))).not.toContain(text);
    }
    // The offline devices learn it on sync.
    await bob2.client.connect();
    expect(bob2.events.recalled).toEqual([{ ...expected, at: expect.any(Number) }]);
    expect(await bob2.client.message(sent.id)).toBeNull();
    await bobLate.client.connect();
    expect(bobLate.events.recalled).toEqual([{ ...expected, at: expect.any(Number) }]);
    expect(bobLate.events.message.map((m) => m.id)).not.toContain(sent.id);
    // Nothing of it is left in the database.
    expect(await backend.rows(h, 'messages', 'id', sent.id)).toBe(0);

    // After the window: refused, and the message stays.
    const late = await alice.client.send(bob.name, 'too late to recall');
    skew = 120_001;
    expect(await failure(alice.client.recall(late.id))).toEqual({
      code: 'FORBIDDEN',
      message: 'The time to recall this message has passed',
    });
    expect((await alice.client.message(late.id))?.text).toBe('too late to recall');
    expect(await backend.rows(h, 'messages', 'id', late.id)).toBe(1);
  });

  it('deletes an account: the other side sees its burn messages burn, the name is unknown, no row of it is left', async () => {
    await using h = await start();
    const alice = await h.user();
    const alice2 = await h.device(alice.name);
    const bob = await h.user();
    const aliceId = alice.client.me?.userId ?? '';
    const aliceDevices = [alice.client.me?.deviceId ?? '', alice2.client.me?.deviceId ?? ''];
    const sentBurn = await alice.client.send(bob.name, 'burn from alice', { burn: true });
    const gotBurn = await bob.client.send(alice.name, 'burn to alice', { burn: true });
    await alice.client.send(bob.name, 'normal from alice');
    await bob.client.send(alice.name, 'normal to alice');
    await alice.client.block(bob.name);
    await alice.client.setReadReceipts(false);
    await waitFor(() => bob.events.message.length === 2, { what: 'delivery to bob' });

    expect(await codeOf(alice.client.deleteAccount('not-the-password'))).toBe('UNAUTHORIZED');
    expect(alice2.client.state).toBe('connected');

    await alice.client.deleteAccount(passwordOf(alice.name));
    expect(alice.client.me).toBeNull();
    expect(await alice.store.getIdentity()).toBeNull();
    await waitFor(() => alice2.client.state === 'unauthorized', { what: 'alice2 signed out' });
    // Bob's devices see both burn messages burn, like any burn.
    await waitFor(() => bob.events.burned.length === 2, { what: 'burns' });
    expect(
      bob.events.burned
        .map((b) => [b.messageId, b.reason])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    ).toEqual([
      [gotBurn.id, 'expired'],
      [sentBurn.id, 'revoked'],
    ]);
    // The name is unknown: to a send, to the key directory, to a login.
    const nobody = username();
    expect(await failure(bob.client.send(alice.name, 'hello?'))).toEqual(
      await failure(bob.client.send(nobody, 'hello?')),
    );
    expect(await failure(bob.client.send(alice.name, 'hello?', { burn: true }))).toEqual(
      await failure(bob.client.send(nobody, 'hello?', { burn: true })),
    );
    expect(await codeOf(h.client().client.login(alice.name, passwordOf(alice.name)))).toBe('UNAUTHORIZED');
    // No row of alice.
    for (const [table, column] of [
      ['users', 'id'],
      ['devices', 'user_id'],
      ['messages', 'sender_id'],
      ['messages', 'recipient_id'],
      ['events', 'user_id'],
      ['tombstones', 'sender_id'],
      ['tombstones', 'recipient_id'],
      ['push_subscriptions', 'user_id'],
      ['blocks', 'user_id'],
      ['blocks', 'blocked_id'],
    ] as const) {
      expect(await backend.rows(h, table, column, aliceId), `${table}.${column}`).toBe(0);
    }
    for (const deviceId of aliceDevices) {
      expect(await backend.rows(h, 'uploads', 'device_id', deviceId)).toBe(0);
      expect(await backend.rows(h, 'sends', 'device_id', deviceId)).toBe(0);
    }
  });

  it('tells whether a user exists exactly as the key directory does: blocked, deleted and unknown look the same', async () => {
    await using h = await start();
    const alice = await h.user();
    const bob = await h.user();
    const carol = await h.user();
    const dave = await h.user();
    expect(await alice.client.userExists(bob.name)).toBe(true);
    expect(await alice.client.userExists(alice.name)).toBe(true);
    expect(await alice.client.userExists(username())).toBe(false);
    expect(await alice.client.userExists('Not A Name!')).toBe(false);
    await carol.client.block(alice.name);
    expect(await alice.client.userExists(carol.name)).toBe(false);
    expect(await bob.client.userExists(carol.name)).toBe(true);
    await dave.client.deleteAccount(passwordOf(dave.name));
    expect(await alice.client.userExists(dave.name)).toBe(false);
  });

  it('keeps a display name in any script, shown to others through the key directory', async () => {
    await using h = await start();
    const alice = await h.user();
    const bob = await h.user();
    const carol = await h.user();
    expect(await alice.client.profile()).toEqual({ displayName: null });
    expect(await bob.client.displayName(alice.name)).toBeNull();
    expect(await alice.client.setDisplayName('  张三　 (Zhang) ')).toBe('张三 (Zhang)');
    expect(await alice.client.profile()).toEqual({ displayName: '张三 (Zhang)' });
    expect(await bob.client.displayName(alice.name)).toBe('张三 (Zhang)');
    // Refused: a bidi override, a line break, too long; the stored name stays.
    for (const bad of ['evil\u202Etxt.exe', 'two\nlines', '张'.repeat(65), '   ']) {
      expect(await codeOf(alice.client.setDisplayName(bad)), JSON.stringify(bad)).toBe('BAD_REQUEST');
    }
    expect(await bob.client.displayName(alice.name)).toBe('张三 (Zhang)');
    // A user who blocked you shows no name either: they do not exist to you.
    await alice.client.block(carol.name);
    expect(await codeOf(carol.client.displayName(alice.name))).toBe('NOT_FOUND');
    await alice.client.setDisplayName(null);
    expect(await bob.client.displayName(alice.name)).toBeNull();
  });
});
