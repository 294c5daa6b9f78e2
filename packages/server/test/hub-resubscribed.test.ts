import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../src/bus/memory-bus.ts';
import { Hub } from '../src/core/hub.ts';
import { hubMember } from './hub-member.ts';

/** An in-process bus that can announce a resubscription, as a network bus does after reconnecting. */
class ReconnectingBus extends MemoryBus {
  readonly #listeners = new Set<() => void>();

  onResubscribed(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  resubscribed(): void {
    for (const listener of this.#listeners) listener();
  }
}

describe('hub after the bus lost its subscriptions', () => {
  it('wakes every local device once the bus is resubscribed, and stops listening when closed', async () => {
    const bus = new ReconnectingBus();
    const hub = new Hub(bus, pino({ level: 'silent' }));
    const devices = [hubMember('u_a', 'd_1'), hubMember('u_a', 'd_2'), hubMember('u_b', 'd_3')];
    for (const d of devices) await hub.join(d.m);
    const gone = hubMember('u_c', 'd_4');
    await hub.join(gone.m);
    hub.leave(gone.m);

    bus.resubscribed();
    expect(devices.map((d) => d.seen.wakes)).toEqual([1, 1, 1]);
    expect(gone.seen.wakes).toBe(0);

    await hub.close();
    bus.resubscribed();
    expect(devices.map((d) => d.seen.wakes)).toEqual([1, 1, 1]);
  });
});
