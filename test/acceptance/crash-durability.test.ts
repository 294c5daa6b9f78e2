/**
 * `kill -9` durability: real SDK clients keep sending, opening and revoking while the real server
 * (a child process on SQLite) is killed with SIGKILL at random moments and restarted on the same
 * data dir and port. Afterwards: no acknowledged send lost, no acknowledged burn undone, nothing
 * stored or applied twice, and every client resumed by itself with a store that matches the server.
 *
 * Seeded: the printed seed replays the same choices (`CINDER_CRASH_SEED=<seed> npx vitest run
 * test/acceptance/crash-durability.test.ts`); timing still varies from run to run.
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CinderClient, CinderError, MemoryStore, type Store, type StoredMessage } from '@cinder/sdk';
import { FileStore } from '@cinder/sdk/node';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerProcess, sleep, WAIT_MS, waitFor } from '../kit/index.ts';

/** SIGKILLs per run (the issue asks for 10 or more). */
const KILLS = 11;
/** Concurrent traffic loops per device. */
const LOOPS_PER_DEVICE = 2;

/** mulberry32: a small seeded generator, so a failing run's choices can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Device {
  name: string;
  user: string;
  client: CinderClient;
  store: Store;
  /** Every `message` / `burned` event this device emitted, in order. */
  events: Array<{ kind: 'message' | 'burned'; id: string }>;
}

interface Acked {
  id: string;
  /** The device that got the reply. */
  device: Device;
  from: string;
  to: string;
  text: string;
  burn: boolean;
  /** The server's deadline of an unopened burn message. */
  expiresAt?: number;
}

const errorCode = (error: unknown) => (error instanceof CinderError ? error.code : String(error));

describe('kill -9 durability', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f().catch(() => {});
  });

  it('under traffic, 10+ SIGKILLs lose no acknowledged send, undo no burn, duplicate nothing; clients resume by themselves', async () => {
    const seed = Number(process.env.CINDER_CRASH_SEED ?? randomInt(2 ** 31));
    console.log(`crash-durability seed ${seed} (CINDER_CRASH_SEED=${seed} replays its choices)`);
    const started = Date.now();

    const dataDir = await mkdtemp(join(tmpdir(), 'cinder-crash-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
    const server = new ServerProcess(dataDir);
    await server.start(0);
    cleanup.push(() => server.stop('SIGKILL'));

    // Three users, four devices (Bob has two), one on a FileStore: real SDK clients that are
    // never told about the crashes. A short backoff cap keeps the run short; nothing else helps.
    const devices: Device[] = [];
    /** Messages whose burn the test was told of: an open or revoke reply, BURNED, a `burned` event. */
    const burnsAcked = new Set<string>();
    const makeDevice = (name: string, user: string, store: Store): Device => {
      const client = new CinderClient({
        url: server.url,
        store,
        maxReconnectDelayMs: 500,
        sendTimeoutMs: 120_000,
        requestTimeoutMs: 30_000,
      });
      const device: Device = { name, user, client, store, events: [] };
      client.on('message', (m) => device.events.push({ kind: 'message', id: m.id }));
      client.on('burned', (b) => {
        device.events.push({ kind: 'burned', id: b.messageId });
        burnsAcked.add(b.messageId);
      });
      cleanup.push(() => client.close());
      devices.push(device);
      return device;
    };
    const alice = makeDevice('alice', 'alice', new MemoryStore());
    const bob1 = makeDevice('bob1', 'bob', new MemoryStore());
    const bob2 = makeDevice('bob2', 'bob', new MemoryStore());
    const storeDir = await mkdtemp(join(tmpdir(), 'cinder-crash-store-'));
    cleanup.push(() => rm(storeDir, { recursive: true, force: true }));
    const carol = makeDevice('carol', 'carol', new FileStore(join(storeDir, 'carol.json')));
    await alice.client.register('alice', 'alice-long-password');
    await bob1.client.register('bob', 'bob-long-password');
    await bob2.client.login('bob', 'bob-long-password');
    await carol.client.register('carol', 'carol-long-password');
    const users = ['alice', 'bob', 'carol'];

    // What the test was told, and only that counts.
    const acked = new Map<string, Acked>();
    let unknownSends = 0;
    let opens = 0;
    let revokes = 0;
    let expiring = 0;
    let serial = 0;
    let running = true;

    async function connected(device: Device): Promise<void> {
      await waitFor(() => device.client.state === 'connected' || !running, {
        timeout: WAIT_MS * 4,
        what: `${device.name} online`,
      });
    }

    async function loop(device: Device, random: () => number): Promise<void> {
      const peers = users.filter((u) => u !== device.user);
      while (running) {
        const roll = random();
        const to = peers[Math.floor(random() * peers.length)] as string;
        if (roll < 0.6) {
          // Sends wait for the connection by themselves: no check of the state first.
          const text = `${device.name}-${++serial}-${seed}`;
          const kind = roll < 0.3 ? 'normal' : roll < 0.45 ? 'burn' : 'expiring';
          const burn =
            kind === 'normal'
              ? undefined
              : kind === 'burn'
                ? { ttlSeconds: 3600, viewSeconds: 0 }
                : { ttlSeconds: 1 + Math.floor(random() * 2), viewSeconds: 0 };
          try {
            const sent = await device.client.send(to, text, burn ? { burn } : {});
            if (acked.has(sent.id)) throw new Error(`two sends acknowledged with one id ${sent.id}`);
            const entry: Acked = { id: sent.id, device, from: device.user, to, text, burn: Boolean(burn) };
            if (sent.burn) entry.expiresAt = sent.burn.expiresAt;
            acked.set(sent.id, entry);
            if (kind === 'expiring') expiring++;
          } catch (error) {
            // Not acknowledged: it may or may not be stored, and it may not be lost either way.
            if (errorCode(error) !== 'TIMEOUT' && errorCode(error) !== 'DISCONNECTED') throw error;
            unknownSends++;
          }
          continue;
        }
        await connected(device);
        if (!running) return;
        const stored = await device.store.listMessages();
        if (roll < 0.8) {
          // Open a sealed burn message sent to this account.
          const sealed = stored.filter((m) => m.burn && !m.mine);
          const pick = sealed[Math.floor(random() * sealed.length)];
          if (!pick) continue;
          try {
            await device.client.open(pick.id);
            burnsAcked.add(pick.id);
            opens++;
          } catch (error) {
            const code = errorCode(error);
            // BURNED is the server saying so: as good as any acknowledgment of the burn.
            if (code === 'BURNED') burnsAcked.add(pick.id);
            else if (code !== 'DISCONNECTED' && code !== 'TIMEOUT') throw error;
          }
        } else if (roll < 0.92) {
          // Revoke one of this account's unopened burn messages.
          const own = stored.filter((m) => m.burn && m.mine);
          const pick = own[Math.floor(random() * own.length)];
          if (!pick) continue;
          try {
            await device.client.revoke(pick.id);
            burnsAcked.add(pick.id);
            revokes++;
          } catch (error) {
            const code = errorCode(error);
            if (code === 'BURNED') burnsAcked.add(pick.id);
            else if (code !== 'DISCONNECTED' && code !== 'TIMEOUT') throw error;
          }
        } else {
          // Read a normal message.
          const normal = stored.filter((m) => !m.burn && !m.mine);
          const pick = normal[Math.floor(random() * normal.length)];
          if (!pick) continue;
          await device.client.open(pick.id).catch((error: unknown) => {
            const code = errorCode(error);
            if (code !== 'DISCONNECTED' && code !== 'TIMEOUT') throw error;
          });
        }
      }
    }

    const loops = devices.flatMap((device, d) =>
      Array.from({ length: LOOPS_PER_DEVICE }, (_, i) => loop(device, rng(seed + 1 + d * 16 + i))),
    );
    const traffic = Promise.all(loops);
    let trafficError: unknown = null;
    traffic.catch((error: unknown) => {
      trafficError = error;
    });

    // The killer: each round picks its moment by the seed. Most rounds wait for some sends to be
    // acknowledged after the restart (traffic in full flow) and a random slice of time more;
    // some kill right after start-up, while clients are still reconnecting and resyncing.
    const killer = rng(seed);
    let kills = 0;
    /** Time spent waiting for the restarted server to listen (most of the run on a busy machine). */
    let restartMs = 0;
    for (let round = 0; round < KILLS; round++) {
      const early = killer() < 0.25;
      const quota = 1 + Math.floor(killer() * 12);
      const slice = Math.floor(killer() * 300);
      if (!early) {
        const floor = acked.size;
        await waitFor(() => acked.size >= floor + quota || trafficError, {
          timeout: WAIT_MS * 4,
          what: `${quota} sends`,
        });
      }
      if (trafficError) throw trafficError;
      await sleep(slice); // a random moment, not a barrier: nothing waits on it
      const code = await server.stop('SIGKILL');
      expect(code).toBeNull(); // killed by the signal, not exited
      kills++;
      const restart = Date.now();
      await server.start(server.port);
      restartMs += Date.now() - restart;
    }

    // Let the traffic run against the last start, then stop it and let what is in flight land.
    const floor = acked.size;
    await waitFor(() => acked.size >= floor + 5 || trafficError, {
      timeout: WAIT_MS * 4,
      what: 'traffic after the last restart',
    });
    running = false;
    await traffic;
    for (const device of devices) await connected(device);
    expect(devices.map((d) => d.client.state)).toEqual(devices.map(() => 'connected'));

    // Every short-lived message expires and its sender's device learns it (the sweeper burns
    // what expired while the server was down at its next run).
    const expiringSends = [...acked.values()].filter((a) => a.expiresAt && a.expiresAt < Date.now() + 3000);
    const deviceOf = (user: string) => devices.filter((d) => d.user === user);
    await waitFor(
      async () => {
        for (const a of expiringSends) if (!(await a.device.store.getTombstone(a.id))) return false;
        return true;
      },
      { timeout: WAIT_MS * 2, what: 'short-lived messages to expire on their senders’ devices' },
    ).catch(() => {
      // Reported below, message by message, as lost sends.
    });

    // The server's view: a new device of each user gets exactly the live messages.
    const live = new Map<string, StoredMessage[]>();
    for (const user of users) {
      const fresh = new CinderClient({ url: server.url, store: new MemoryStore() });
      cleanup.push(() => fresh.close());
      await fresh.login(user, `${user}-long-password`);
      const all: StoredMessage[] = [];
      for (const peer of users.filter((u) => u !== user)) all.push(...(await fresh.messages(peer)));
      live.set(user, all);
      await fresh.close();
    }
    const liveIds = (user: string) => new Set((live.get(user) ?? []).map((m) => m.id));

    // Clients resumed by themselves: each device's store holds what the server holds (asserted
    // last, so a lost send or an undone burn is named as such first).
    const mismatches: string[] = [];
    for (const device of devices) {
      await waitFor(
        async () => {
          const mine = (await device.store.listMessages()).map((m) => m.id).sort();
          const server = [...liveIds(device.user)].sort();
          return mine.length === server.length && mine.every((id, i) => id === server[i]);
        },
        { what: `${device.name}'s store to match the server` },
      ).catch(async () => {
        const mine = new Set((await device.store.listMessages()).map((m) => m.id));
        const server = liveIds(device.user);
        const extra = [...mine].filter((id) => !server.has(id));
        const missing = [...server].filter((id) => !mine.has(id));
        mismatches.push(
          `${device.name}: ${extra.length} not on the server (${extra}), ${missing.length} missing (${missing})`,
        );
      });
    }

    // Zero acknowledged sends lost: each is live, or burned with a tombstone its sender's
    // devices learned. A normal message never burns, so it must be live.
    const lost: string[] = [];
    for (const a of acked.values()) {
      const isLive = liveIds(a.from).has(a.id) && liveIds(a.to).has(a.id);
      if (isLive) continue;
      if (!a.burn) {
        lost.push(`${a.id} (normal)`);
        continue;
      }
      if (!(await a.device.store.getTombstone(a.id))) lost.push(`${a.id} (no tombstone on ${a.device.name})`);
    }
    expect(lost, 'acknowledged sends lost').toEqual([]);

    // Zero burns undone: an acknowledged burn is on no device and the server says BURNED.
    const undone: string[] = [];
    for (const id of burnsAcked) {
      for (const user of users) if (liveIds(user).has(id)) undone.push(`${id} live for ${user}`);
      for (const d of devices) if (await d.store.getMessage(id)) undone.push(`${id} stored on ${d.name}`);
      // On a device, a burn is final: no `message` event for it after its `burned` event.
      for (const d of devices) {
        const burnedAt = d.events.findIndex((e) => e.kind === 'burned' && e.id === id);
        if (burnedAt >= 0 && d.events.slice(burnedAt).some((e) => e.kind === 'message' && e.id === id))
          undone.push(`${id} came back on ${d.name}`);
      }
    }
    expect(undone, 'burns undone').toEqual([]);
    const burnedBurns = [...burnsAcked].filter((id) => acked.get(id)?.burn);
    for (const id of burnedBurns) {
      const a = acked.get(id) as Acked;
      const reader = deviceOf(a.to)[0] as Device;
      expect(await reader.client.open(id).then(() => 'OK', errorCode), `open of burned ${id}`).toBe('BURNED');
    }

    // Zero duplicates: no event applied twice on a device; every live message is one
    // acknowledged send (a send that was never answered may be stored once, no more).
    for (const d of devices) {
      const seen = new Set<string>();
      for (const e of d.events) {
        const key = `${e.kind}:${e.id}`;
        expect(seen.has(key), `${d.name} applied ${key} twice`).toBe(false);
        seen.add(key);
      }
    }
    const liveAll = new Map<string, StoredMessage>();
    for (const user of users) for (const m of live.get(user) ?? []) liveAll.set(m.id, m);
    const normalTexts = [...liveAll.values()].filter((m) => !m.burn).map((m) => m.text);
    expect(normalTexts.length, 'normal messages stored twice').toBe(new Set(normalTexts).size);
    const orphans = [...liveAll.keys()].filter((id) => !acked.has(id));
    expect(orphans.length, 'live messages no send was acknowledged for').toBeLessThanOrEqual(unknownSends);

    expect(mismatches, 'device stores that differ from the server').toEqual([]);

    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `crash-durability seed ${seed}: ${kills} kills, ${acked.size} sends acknowledged ` +
        `(${expiring} expiring, ${unknownSends} unanswered), ${burnsAcked.size} burns acknowledged ` +
        `(${opens} opens, ${revokes} revokes), ${liveAll.size} live at the end, ${seconds} s ` +
        `(${(restartMs / 1000).toFixed(1)} s of it restarting the server)`,
    );
    expect(kills).toBeGreaterThanOrEqual(10);
  }, 600_000);
});
