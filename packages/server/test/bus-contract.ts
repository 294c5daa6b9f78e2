import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/kit/index.ts';
import type { Bus } from '../src/bus/bus.ts';

/** Wait up to 2 s for what a bus delivers; `what` names it in the failure. */
async function delivered(what: string, check: () => boolean): Promise<void> {
  await waitFor(check, { timeout: 2000, interval: 5, what });
}

/** Two buses and how to close them. */
export interface BusPair {
  a: Bus;
  b: Bus;
  cleanup(): Promise<void>;
}

/**
 * The contract for a bus between processes: `connect(cluster)` opens one node's bus on a cluster
 * (a Redis prefix, a schema) with connections of its own; `unique()` names a fresh cluster. The
 * pair shares one cluster; the apart pair is two clusters on the same network.
 */
export function runNetworkBusContract(
  name: string,
  connect: (cluster: string) => Promise<Bus>,
  unique: () => string,
): void {
  const pairOf = async (one: string, two: string): Promise<BusPair> => {
    const a = await connect(one);
    const b = await connect(two);
    return {
      a,
      b,
      cleanup: async () => {
        await a.close();
        await b.close();
      },
    };
  };
  runBusContract(name, {
    create: () => {
      const cluster = unique();
      return pairOf(cluster, cluster);
    },
    apart: () => pairOf(unique(), unique()),
  });
}

/**
 * The contract of every `Bus` (in-process, Redis, PostgreSQL). `create` may return two nodes'
 * buses on one network; `apart`, for a network bus, two buses of different clusters on one
 * network (Redis prefixes, PostgreSQL schemas), which must not hear each other.
 */
export function runBusContract(
  name: string,
  options: { create: () => Promise<BusPair>; apart?: () => Promise<BusPair> },
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
      await delivered('the three payloads on c1', () => got.length === 3);
      expect(got).toEqual(['1', '2', '3']);
      expect(other).toEqual([]);
    });

    it('stops delivering after unsubscribe, and keeps other subscribers', async () => {
      const first: string[] = [];
      const second: string[] = [];
      const stop = await fixture.b.subscribe('c', (p) => first.push(p));
      await fixture.b.subscribe('c', (p) => second.push(p));
      await fixture.a.publish('c', 'x');
      await delivered("'x' to both subscribers", () => first.length === 1 && second.length === 1);
      await stop();
      await fixture.a.publish('c', 'y');
      await delivered("'y' to the remaining subscriber", () => second.length === 2);
      expect(first).toEqual(['x']);
      expect(second).toEqual(['x', 'y']);
    });

    const apart = options.apart;
    if (apart) {
      it('keeps clusters apart on one network', async () => {
        const { a: one, b: other, cleanup } = await apart();
        try {
          const heardByOther: string[] = [];
          const heardByOne: string[] = [];
          await other.subscribe('c', (p) => heardByOther.push(p));
          await one.subscribe('c', (p) => heardByOne.push(p));
          await one.publish('c', 'mine');
          await delivered("'mine' on its own cluster", () => heardByOne.length > 0);
          // Published after 'mine' was delivered: had 'mine' crossed over, it would arrive first.
          await other.publish('c', 'theirs');
          await delivered("'theirs' on the other cluster", () => heardByOther.length > 0);
          expect(heardByOne).toEqual(['mine']);
          expect(heardByOther).toEqual(['theirs']);
        } finally {
          await cleanup();
        }
      });
    }
  });
}
