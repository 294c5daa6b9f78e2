import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.ts';
import { Hub, type HubMember } from '../src/core/hub.ts';
import { sleep } from './helpers.ts';

function member(userId: string, deviceId: string) {
  const seen = { wakes: 0, revoked: false };
  const m: HubMember = {
    userId,
    deviceId,
    wake: () => {
      seen.wakes += 1;
    },
    revoke: () => {
      seen.revoked = true;
    },
  };
  return { m, seen };
}

describe('hub routing over a shared bus (two nodes)', () => {
  it('wakes and signs out devices on the other node, coalescing wakes per turn', async () => {
    const bus = new MemoryBus();
    const logger = pino({ level: 'silent' });
    const nodeA = new Hub(bus, logger);
    const nodeB = new Hub(bus, logger);
    const bobPhone = member('u_bob', 'd_phone');
    const bobLaptop = member('u_bob', 'd_laptop');
    const carol = member('u_carol', 'd_c');
    await nodeB.join(bobPhone.m);
    await nodeB.join(bobLaptop.m);
    await nodeA.join(carol.m);

    nodeA.notify(['u_bob']);
    nodeA.notify(['u_bob', 'u_bob']);
    await sleep(20);
    expect(bobPhone.seen.wakes).toBe(1);
    expect(bobLaptop.seen.wakes).toBe(1);
    expect(carol.seen.wakes).toBe(0);

    nodeA.revokeDevice('u_bob', 'd_laptop');
    await sleep(20);
    expect(bobLaptop.seen.revoked).toBe(true);
    expect(bobPhone.seen.revoked).toBe(false);

    nodeB.leave(bobPhone.m);
    nodeB.leave(bobLaptop.m);
    await sleep(20);
    nodeA.notify(['u_bob']);
    await sleep(20);
    expect(bobPhone.seen.wakes).toBe(1);
    await nodeA.close();
    await nodeB.close();
    await bus.close();
  });
});
