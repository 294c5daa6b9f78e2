import { randomBytes } from 'node:crypto';
import type { Event, OpenResult } from '@cinder/protocol';
import { type Correctness, emptyCorrectness, type SyncJob, type SyncResult } from '../lib/jobs.ts';
import { type Answer, FrameCheck, WireDevice } from './wire-device.ts';

/** Sends in flight while the backlog accumulates. */
const SEND_WINDOW = 256;

/**
 * Reconnect sync. Bob's second device syncs, goes offline; Alice sends `events` burn messages and
 * Bob's online device opens every other one. The offline device's backlog is then one sealed
 * `message` event per unopened message plus one `burned` event per opened one: `events` in all,
 * with no `message` event of an opened message (a burned message is never delivered). The device
 * reconnects from its old cursor `repeats` times; each time is measured from opening the socket to
 * handling `synced`, validating every frame as the SDK does. Afterwards Bob opens the rest, so no
 * content is left on the server.
 */
export async function runSync(job: SyncJob): Promise<SyncResult> {
  const tally = emptyCorrectness();
  const check = new FrameCheck(1, tally);
  const offline = await WireDevice.connect({ url: job.url, creds: job.bobOffline, cursor: null, check });
  const cursor = offline.device.cursor;
  await offline.device.close();

  const [alice, bob] = await Promise.all([
    WireDevice.connect({ url: job.url, creds: job.alice, cursor: null, check }),
    WireDevice.connect({ url: job.url, creds: job.bobOnline, cursor: null, check }),
  ]);
  const setupStarted = performance.now();
  const backlog = await accumulate(job, alice.device, bob.device, tally);
  const setupMs = performance.now() - setupStarted;

  const syncMs: number[] = [];
  let frames = 0;
  let bytes = 0;
  for (let i = 0; i < job.repeats; i++) {
    const { device, sync } = await WireDevice.connect({ url: job.url, creds: job.bobOffline, cursor, check });
    syncMs.push(sync.syncMs);
    if (i === 0) {
      frames = device.frames;
      bytes = device.bytes;
    }
    verifyBacklog(sync.events, sync.resync.length, backlog, tally);
    await device.close();
  }

  // Burn what is left so that the data directory ends with no content in it.
  await openAll(bob.device, [...backlog.kept], tally);
  await Promise.all([alice.device.close(), bob.device.close()]);
  return { events: job.events, syncMs, frames, bytes, setupMs, correctness: tally };
}

interface Backlog {
  kept: Set<string>;
  opened: Set<string>;
}

/** Send `job.events` burn messages; Bob opens every other one as it arrives. */
async function accumulate(
  job: SyncJob,
  alice: WireDevice,
  bob: WireDevice,
  tally: Correctness,
): Promise<Backlog> {
  const tag = randomBytes(4).toString('hex');
  const backlog: Backlog = { kept: new Set(), opened: new Set() };
  const burnedAtAlice = new Set<string>();
  let delivered = 0;
  let pendingOpens = 0;
  let sent = 0;
  let replied = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const check = (): void => {
    if (replied === job.events && delivered === job.events && pendingOpens === 0) {
      if (burnedAtAlice.size >= backlog.opened.size) done();
    }
  };
  const countError = (answer: Answer): void => {
    if (answer.type === 'error') tally.errors[answer.code] = (tally.errors[answer.code] ?? 0) + 1;
  };
  bob.onEvents = (events) => {
    for (const event of events) {
      if (event.kind !== 'message') continue;
      delivered++;
      const id = event.message.id;
      if (delivered % 2 === 0) {
        backlog.kept.add(id);
        continue;
      }
      backlog.opened.add(id);
      pendingOpens++;
      bob.request({ type: 'open', id }, (answer) => {
        pendingOpens--;
        countError(answer);
        check();
      });
    }
    check();
  };
  alice.onEvents = (events) => {
    for (const event of events) if (event.kind === 'burned') burnedAtAlice.add(event.messageId);
    check();
  };
  const sendNext = (): void => {
    if (sent >= job.events) return;
    const n = sent++;
    tally.started++;
    const text = `${job.marker}:${tag}:${n}:`.padEnd(64, '.');
    alice.request(
      { type: 'send', key: `${tag}-${n}`, to: bob.username, text, burn: { ttlSeconds: 3600 } },
      (answer) => {
        replied++;
        countError(answer);
        sendNext();
        check();
      },
    );
  };
  for (let i = 0; i < SEND_WINDOW; i++) sendNext();
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 60_000).unref());
  await Promise.race([finished, timeout]);
  tally.completed = replied;
  return backlog;
}

/** Check the reconnecting device got exactly the backlog: live messages sealed, burns as tombstones. */
function verifyBacklog(events: Event[], resynced: number, backlog: Backlog, tally: Correctness): void {
  if (resynced > 0) tally.unexpected += resynced;
  const seenMessages = new Set<string>();
  const seenBurns = new Set<string>();
  let lastSeq = -1;
  for (const event of events) {
    if (event.seq <= lastSeq) tally.unexpected++;
    lastSeq = event.seq;
    if (event.kind === 'message') {
      const id = event.message.id;
      if (event.message.text !== undefined || event.message.ext !== undefined) tally.sealedViolations++;
      if (!backlog.kept.has(id)) tally.unexpected++;
      if (seenMessages.has(id)) tally.duplicates++;
      seenMessages.add(id);
    } else if (event.kind === 'burned') {
      if (!backlog.opened.has(event.messageId)) tally.unexpected++;
      if (seenBurns.has(event.messageId)) tally.duplicates++;
      seenBurns.add(event.messageId);
    }
  }
  tally.lost += backlog.kept.size - seenMessages.size + (backlog.opened.size - seenBurns.size);
}

/** Open every id and wait for the replies, checking each burned. */
async function openAll(bob: WireDevice, ids: string[], tally: Correctness): Promise<void> {
  await new Promise<void>((resolve) => {
    let left = ids.length;
    if (left === 0) resolve();
    for (const id of ids) {
      bob.request({ type: 'open', id }, (answer) => {
        if (answer.type === 'error') tally.errors[answer.code] = (tally.errors[answer.code] ?? 0) + 1;
        else if ((answer.result as OpenResult).burned !== true) tally.contentMismatches++;
        if (--left === 0) resolve();
      });
    }
  });
}
