import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/kit/index.ts';
import { MemoryBus } from '../src/bus/memory-bus.ts';
import { Hub } from '../src/core/hub.ts';
import { TurnScheduler } from '../src/turn.ts';
import { hubMember } from './hub-member.ts';

/**
 * The end of the current turn's wake-ups, and of what they delivered: the hub publishes in the
 * turn's `wake` step, the memory bus hands the payload over in a microtask, and microtasks run
 * before the `write` step that resolves this.
 */
function turnEnd(turn: TurnScheduler): Promise<void> {
  return new Promise((resolve) => turn.atTurnEnd('write', resolve));
}

describe('hub routing over a shared bus (two nodes)', () => {
  it('wakes and signs out devices on the other node, coalescing wakes per turn', async () => {
    const bus = new MemoryBus();
    const logger = pino({ level: 'silent' });
    const turnA = new TurnScheduler();
    const nodeA = new Hub(bus, logger, turnA);
    const nodeB = new Hub(bus, logger);
    const bobPhone = hubMember('u_bob', 'd_phone');
    const bobLaptop = hubMember('u_bob', 'd_laptop');
    const carol = hubMember('u_carol', 'd_c');
    await nodeB.join(bobPhone.m);
    await nodeB.join(bobLaptop.m);
    await nodeA.join(carol.m);

    nodeA.notify(['u_bob']);
    nodeA.notify(['u_bob', 'u_bob']);
    await turnEnd(turnA);
    expect(bobPhone.seen.wakes).toBe(1);
    expect(bobLaptop.seen.wakes).toBe(1);
    expect(carol.seen.wakes).toBe(0);

    nodeA.revokeDevice('u_bob', 'd_laptop');
    // One publish, handled for every member of the user at once.
    await waitFor(() => bobLaptop.seen.revoked, { what: 'the laptop to be signed out' });
    expect(bobPhone.seen.revoked).toBe(false);

    nodeB.leave(bobPhone.m);
    nodeB.leave(bobLaptop.m);
    nodeA.notify(['u_bob']);
    await turnEnd(turnA);
    expect(bobPhone.seen.wakes).toBe(1);
    await nodeA.close();
    await nodeB.close();
    await bus.close();
  });
});
