import { emptyCorrectness, type IdleConnected, type IdleJob } from '../lib/jobs.ts';
import { mapPool } from '../lib/pool.ts';
import { FrameCheck, WireDevice } from './wire-device.ts';

/** Devices connected by an idle job, to release later. */
export interface IdleFleet {
  devices: WireDevice[];
  result: IdleConnected;
}

/**
 * Connect every device of the job (hello, synced) and keep the sockets open and silent.
 * First, one probe connection offers permessage-deflate as browsers do, to record whether the
 * server accepts it (it should not by default: ~35 KB and ~10× CPU per connection).
 */
export async function connectIdle(job: IdleJob): Promise<IdleFleet> {
  const check = new FrameCheck(1, emptyCorrectness());
  const first = job.devices[0];
  let deflateOffered = '';
  if (first !== undefined) {
    const probe = await WireDevice.connect({
      url: job.url,
      creds: first,
      cursor: null,
      check,
      offerDeflate: true,
    });
    deflateOffered = probe.device.extensions;
    await probe.device.close();
  }
  const started = performance.now();
  let failed = 0;
  const connected = await mapPool(job.devices, job.concurrency, async (creds, index) => {
    const localAddress = job.localAddresses[index % Math.max(1, job.localAddresses.length)];
    try {
      const { device } = await WireDevice.connect({
        url: job.url,
        creds,
        cursor: null,
        check,
        ...(localAddress ? { localAddress } : {}),
      });
      return device;
    } catch {
      failed++;
      return undefined;
    }
  });
  const devices = connected.filter((d): d is WireDevice => d !== undefined);
  return {
    devices,
    result: { connected: devices.length, failed, connectMs: performance.now() - started, deflateOffered },
  };
}

/** Close every socket of the fleet. */
export async function releaseIdle(fleet: IdleFleet): Promise<number> {
  await mapPool(fleet.devices, 512, (device) => device.close());
  return fleet.devices.length;
}
