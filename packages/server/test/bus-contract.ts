import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus } from '../src/bus/bus.ts';
import { until } from './helpers.ts';

/** Wait up to 2 s for what a bus delivers. */
async function delivered(check: () => boolean): Promise<void> {
  expect(await until(check, 2000, 5)).toBe(true);
}

/** The contract of every `Bus` (in-process and Redis). `create` may return two nodes' buses on one network. */
export function runBusContract(
  name: string,
  options: { create: () => Promise<{ a: Bus; b: Bus; cleanup(): Promise<void> }> },
): void {
  describe(`bus contract: ${name}`, () => {
    let fixture: { a: Bus; b: Bus; cleanup(): Promise<void> };

    beforeEach(async () => {
      fixture = await options.create();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('delivers payloads to subscribers of the channel, in publish order', async () => {
      const got: string[] = [];
      const other: string[] = [];
      await fixture.b.subscribe('c1', (p) => got.push(p));
      await fixture.b.subscribe('c2', (p) => other.push(p));
      for (const p of ['1', '2', '3']) await fixture.a.publish('c1', p);
      await delivered(() => got.length === 3);
      expect(got).toEqual(['1', '2', '3']);
      expect(other).toEqual([]);
    });

    it('stops delivering after unsubscribe, and keeps other subscribers', async () => {
      const first: string[] = [];
      const second: string[] = [];
      const stop = await fixture.b.subscribe('c', (p) => first.push(p));
      await fixture.b.subscribe('c', (p) => second.push(p));
      await fixture.a.publish('c', 'x');
      await delivered(() => first.length === 1 && second.length === 1);
      await stop();
      await fixture.a.publish('c', 'y');
      await delivered(() => second.length === 2);
      expect(first).toEqual(['x']);
      expect(second).toEqual(['x', 'y']);
    });
  });
}
