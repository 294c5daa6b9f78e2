import { DEFAULT_TTL_SECONDS } from '@cinder/protocol';
import { describe, expect, it } from 'vitest';
import {
  burnPolicy,
  decideAccountDeletion,
  decideDelivered,
  decideExpiry,
  decideOpen,
  decideRead,
  decideRecall,
  decideRevoke,
  type Found,
  isDue,
  sealRefusal,
  sendRefusal,
} from './burn-rules.ts';

// Every verb × every state a message id can be in × every actor, against SPEC.md's burn contract
// and docs/crypto.md's sealed burn messages. The deadline of `burn-due` and `sealed-due` is exactly
// the time of the request: a deadline reached is passed. `sealed` is a burn message sealed for the
// recipient's device d1. Every actor acts on device d1; `actor@d2` rows add the same actor on
// another device, where it matters (a device the message was not sealed for).
//
// expected: take | receipt <type> | burn <reason> | expire <code> (burns as expired, then refused
// with code) | refuse <code> | ignore
const TABLE = `
verb       state            actor       expected            rule
open       none             sender      refuse NOT_FOUND    11
open       none             recipient   refuse NOT_FOUND    11
open       none             outsider    refuse NOT_FOUND    11
open       normal           sender      refuse FORBIDDEN    2, 11
open       normal           recipient   receipt read        seed pattern
open       normal           recipient@d2 receipt read       seed pattern (any device)
open       normal           outsider    refuse NOT_FOUND    11
open       burn             sender      refuse FORBIDDEN    2, 11
open       burn             recipient   take                2
open       burn             outsider    refuse NOT_FOUND    11
open       burn             recipient@d2 take               2 (not sealed: any device)
open       sealed           sender      refuse FORBIDDEN    2, 11
open       sealed           sender@d2   refuse FORBIDDEN    2, 11
open       sealed           recipient   take                2, e2e (sealed for d1)
open       sealed           recipient@d2 refuse SEALED_FOR_OTHER_DEVICES e2e (nothing taken)
open       sealed           outsider    refuse NOT_FOUND    11
open       sealed           outsider@d2 refuse NOT_FOUND    11
open       burn-due         sender      expire FORBIDDEN    5, 11
open       burn-due         recipient   expire BURNED       5, 2
open       burn-due         outsider    expire NOT_FOUND    5, 11
open       sealed-due       sender      expire FORBIDDEN    5, 11
open       sealed-due       recipient   expire BURNED       5, 2
open       sealed-due       recipient@d2 expire BURNED      5 (due on every device)
open       sealed-due       outsider    expire NOT_FOUND    5, 11
open       burned-opened    sender      refuse FORBIDDEN    2, 11
open       burned-opened    recipient   refuse BURNED       2
open       burned-opened    outsider    refuse NOT_FOUND    11
open       burned-expired   sender      refuse FORBIDDEN    2, 11
open       burned-expired   recipient   refuse BURNED       2, 5
open       burned-expired   outsider    refuse NOT_FOUND    11
open       burned-revoked   sender      refuse FORBIDDEN    2, 11
open       burned-revoked   recipient   refuse BURNED       2, 6
open       burned-revoked   outsider    refuse NOT_FOUND    11
read       none             sender      refuse NOT_FOUND    11
read       none             recipient   refuse NOT_FOUND    11
read       none             outsider    refuse NOT_FOUND    11
read       normal           sender      refuse FORBIDDEN    seed pattern, 11
read       normal           recipient   receipt read        seed pattern
read       normal           outsider    refuse NOT_FOUND    11
read       burn             sender      refuse BAD_REQUEST  8 (opened, not read)
read       burn             recipient   refuse BAD_REQUEST  8
read       burn             outsider    refuse NOT_FOUND    11
read       sealed           sender      refuse BAD_REQUEST  8
read       sealed           recipient   refuse BAD_REQUEST  8
read       sealed           outsider    refuse NOT_FOUND    11
read       burn-due         sender      refuse BAD_REQUEST  8
read       burn-due         recipient   refuse BAD_REQUEST  8
read       burn-due         outsider    refuse NOT_FOUND    11
read       sealed-due       sender      refuse BAD_REQUEST  8
read       sealed-due       recipient   refuse BAD_REQUEST  8
read       sealed-due       outsider    refuse NOT_FOUND    11
read       burned-opened    sender      refuse BAD_REQUEST  8
read       burned-opened    recipient   refuse BAD_REQUEST  8
read       burned-opened    outsider    refuse NOT_FOUND    11
read       burned-expired   sender      refuse BAD_REQUEST  8
read       burned-expired   recipient   refuse BAD_REQUEST  8
read       burned-expired   outsider    refuse NOT_FOUND    11
read       burned-revoked   sender      refuse BAD_REQUEST  8
read       burned-revoked   recipient   refuse BAD_REQUEST  8
read       burned-revoked   outsider    refuse NOT_FOUND    11
revoke     none             sender      refuse NOT_FOUND    11
revoke     none             recipient   refuse NOT_FOUND    11
revoke     none             outsider    refuse NOT_FOUND    11
revoke     normal           sender      refuse BAD_REQUEST  6 (burn messages only)
revoke     normal           recipient   refuse FORBIDDEN    11
revoke     normal           outsider    refuse NOT_FOUND    11
revoke     burn             sender      burn revoked        6
revoke     burn             recipient   refuse FORBIDDEN    11
revoke     burn             outsider    refuse NOT_FOUND    11
revoke     sealed           sender      burn revoked        6
revoke     sealed           recipient   refuse FORBIDDEN    11
revoke     sealed           outsider    refuse NOT_FOUND    11
revoke     burn-due         sender      expire BURNED       5, 6
revoke     burn-due         recipient   expire FORBIDDEN    5, 11
revoke     burn-due         outsider    expire NOT_FOUND    5, 11
revoke     sealed-due       sender      expire BURNED       5, 6
revoke     sealed-due       recipient   expire FORBIDDEN    5, 11
revoke     sealed-due       outsider    expire NOT_FOUND    5, 11
revoke     burned-opened    sender      refuse BURNED       6 (unopened only)
revoke     burned-opened    recipient   refuse FORBIDDEN    11
revoke     burned-opened    outsider    refuse NOT_FOUND    11
revoke     burned-expired   sender      refuse BURNED       6
revoke     burned-expired   recipient   refuse FORBIDDEN    11
revoke     burned-expired   outsider    refuse NOT_FOUND    11
revoke     burned-revoked   sender      refuse BURNED       6, 10 (a second revoke changes nothing)
revoke     burned-revoked   recipient   refuse FORBIDDEN    11
revoke     burned-revoked   outsider    refuse NOT_FOUND    11
delivered  none             sender      ignore              11 (ids not told apart)
delivered  none             recipient   ignore              11
delivered  none             outsider    ignore              11
delivered  normal           sender      ignore              11
delivered  normal           recipient   receipt delivered   seed pattern
delivered  normal           outsider    ignore              11
delivered  burn             sender      ignore              11
delivered  burn             recipient   receipt delivered   1 (metadata delivered), 8
delivered  burn             outsider    ignore              11
delivered  sealed           sender      ignore              11
delivered  sealed           recipient   receipt delivered   1, 8
delivered  sealed           outsider    ignore              11
delivered  burn-due         sender      ignore              5
delivered  burn-due         recipient   ignore              5
delivered  burn-due         outsider    ignore              5
delivered  sealed-due       sender      ignore              5
delivered  sealed-due       recipient   ignore              5
delivered  sealed-due       outsider    ignore              5
delivered  burned-opened    sender      ignore              3
delivered  burned-opened    recipient   ignore              3
delivered  burned-opened    outsider    ignore              3
delivered  burned-expired   sender      ignore              3
delivered  burned-expired   recipient   ignore              3
delivered  burned-expired   outsider    ignore              3
delivered  burned-revoked   sender      ignore              3
delivered  burned-revoked   recipient   ignore              3
delivered  burned-revoked   outsider    ignore              3
expire     none             -           ignore              5
expire     normal           -           ignore              5 (normal messages never expire)
expire     burn             -           ignore              5 (not before the deadline)
expire     burn-due         -           burn expired        5
expire     sealed           -           ignore              5
expire     sealed-due       -           burn expired        5
expire     burned-opened    -           ignore              2 (burns once)
expire     burned-expired   -           ignore              2
expire     burned-revoked   -           ignore              2
`;

const AT = 1_000_000;
const SENDER = 'u_sender';
const RECIPIENT = 'u_recipient';
const ACTORS: Record<string, string> = { sender: SENDER, recipient: RECIPIENT, outsider: 'u_outsider' };
/** The storage's handle on a live message: decisions to act must hand back this very object. */
const ROW = { n: 7 };

/** The device every actor acts on unless its row says `@<device>`. */
const DEVICE = 'd1';

/** A live message from SENDER to RECIPIENT. */
function live(expiresAt: number | null, sealedFor: readonly string[] | null = null): Found<typeof ROW> {
  return { state: 'live', message: ROW, senderId: SENDER, recipientId: RECIPIENT, expiresAt, sealedFor };
}

const STATES: Record<string, Found<typeof ROW>> = {
  none: { state: 'none' },
  normal: live(null),
  burn: live(AT + 1),
  'burn-due': live(AT),
  sealed: live(AT + 1, [DEVICE]),
  'sealed-due': live(AT, [DEVICE]),
  'burned-opened': { state: 'burned', senderId: SENDER, recipientId: RECIPIENT, reason: 'opened' },
  'burned-expired': { state: 'burned', senderId: SENDER, recipientId: RECIPIENT, reason: 'expired' },
  'burned-revoked': { state: 'burned', senderId: SENDER, recipientId: RECIPIENT, reason: 'revoked' },
};

const VERBS = {
  open: (found: Found<typeof ROW>, actor: string, device: string) => decideOpen(found, actor, AT, device),
  read: (found: Found<typeof ROW>, actor: string) => decideRead(found, actor),
  revoke: (found: Found<typeof ROW>, actor: string) => decideRevoke(found, actor, AT),
  delivered: (found: Found<typeof ROW>, actor: string) => decideDelivered(found, actor, AT),
  expire: (found: Found<typeof ROW>) => decideExpiry(found, AT),
};

interface Row {
  verb: keyof typeof VERBS;
  state: string;
  /** The actor as the table writes it: `recipient`, or `recipient@d2` for another device. */
  actor: string;
  expected: string;
}

const rows: Row[] = TABLE.trim()
  .split('\n')
  .slice(1)
  .map((line) => {
    const [verb, state, actor, effect, detail] = line.trim().split(/\s+/);
    const expected = ['take', 'ignore'].includes(effect ?? '') ? (effect ?? '') : `${effect} ${detail}`;
    return { verb: verb as Row['verb'], state: state ?? '', actor: actor ?? '', expected };
  });

/** The rows on the default device: one for every verb, state and actor. */
const baseRows = rows.filter((r) => !r.actor.includes('@'));

/** A decision in the table's words. */
function spoken(decision: ReturnType<(typeof VERBS)[keyof typeof VERBS]>): string {
  switch (decision.effect) {
    case 'take':
    case 'ignore':
    case 'read':
      return decision.effect;
    case 'receipt':
      return `receipt ${decision.type}`;
    case 'burn':
      return `burn ${decision.reason}`;
    case 'expire':
    case 'refuse':
      return `${decision.effect} ${decision.refusal.code}`;
  }
}

describe('burn rules', () => {
  it('has one row for every verb, state and actor', () => {
    const want = Object.keys(VERBS).flatMap((verb) =>
      Object.keys(STATES).flatMap((state) =>
        (verb === 'expire' ? ['-'] : Object.keys(ACTORS)).map((actor) => `${verb} ${state} ${actor}`),
      ),
    );
    expect(baseRows.map((r) => `${r.verb} ${r.state} ${r.actor}`).sort()).toEqual(want.sort());
    // A row on another device repeats one of those, for an open.
    const base = new Set(baseRows.map((r) => `${r.verb} ${r.state} ${r.actor}`));
    for (const r of rows.filter((r) => r.actor.includes('@'))) {
      expect(r.verb).toBe('open');
      expect(base).toContain(`${r.verb} ${r.state} ${r.actor.split('@')[0]}`);
    }
  });

  it.each(rows)('$verb of $state by $actor: $expected', ({ verb, state, actor, expected }) => {
    const found = STATES[state];
    if (!found) throw new Error(`unknown state ${state}`);
    const [who = '', device = DEVICE] = actor.split('@');
    const actorId = ACTORS[who];
    if (actor !== '-' && !actorId) throw new Error(`unknown actor ${actor}`);
    const decision = VERBS[verb](found, actorId ?? '', device);
    expect(spoken(decision)).toBe(expected);
    // An effect is performed on exactly the message that was decided on.
    if ('message' in decision) expect(decision.message).toBe(ROW);
  });

  it('gives the wrong role a message that says which role may act', () => {
    const burn = STATES.burn as Found<typeof ROW>;
    expect(decideOpen(burn, SENDER, AT, DEVICE)).toMatchObject({
      refusal: { message: 'Only the recipient may open a message' },
    });
    expect(decideRevoke(burn, RECIPIENT, AT)).toMatchObject({
      refusal: { message: 'Only the sender may revoke a message' },
    });
    expect(decideRead(burn, RECIPIENT)).toMatchObject({
      refusal: { message: 'Burn messages are opened, not read' },
    });
    // NOT_FOUND carries no message of its own: the client's text for it is the same as for an id
    // that never existed.
    expect(decideOpen(burn, 'u_outsider', AT, DEVICE)).toEqual({
      effect: 'refuse',
      refusal: { code: 'NOT_FOUND' },
    });
  });

  it('opens a sealed burn message on any device it was sealed for, and on no other', () => {
    const sealed = live(AT + 1, ['d1', 'd2']);
    expect(decideOpen(sealed, RECIPIENT, AT, 'd1')).toEqual({ effect: 'take', message: ROW });
    expect(decideOpen(sealed, RECIPIENT, AT, 'd2')).toEqual({ effect: 'take', message: ROW });
    expect(decideOpen(sealed, RECIPIENT, AT, 'd3')).toEqual({
      effect: 'refuse',
      refusal: { code: 'SEALED_FOR_OTHER_DEVICES' },
    });
    // A device id is matched whole, not as a part of another.
    expect(decideOpen(live(AT + 1, ['d10']), RECIPIENT, AT, 'd1')).toMatchObject({
      refusal: { code: 'SEALED_FOR_OTHER_DEVICES' },
    });
    // Sealed for no device: no device can open it.
    expect(decideOpen(live(AT + 1, []), RECIPIENT, AT, 'd1')).toMatchObject({
      refusal: { code: 'SEALED_FOR_OTHER_DEVICES' },
    });
  });

  it('accepts a sealed send only when it covers every current keyed device of the recipient', () => {
    expect(sealRefusal(['d1', 'd2'], ['d1', 'd2'], 'bob')).toBeNull();
    expect(sealRefusal(['d2', 'd1'], ['d1', 'd2'], 'bob')).toBeNull();
    // Copies for devices that are gone do not matter (the engine drops them).
    expect(sealRefusal(['d1', 'd2', 'd_gone'], ['d1', 'd2'], 'bob')).toBeNull();
    // A device added since the sender read the directory: seal again.
    expect(sealRefusal(['d1'], ['d1', 'd2'], 'bob')).toEqual({ code: 'KEYS_CHANGED' });
    expect(sealRefusal([], ['d1'], 'bob')).toEqual({ code: 'KEYS_CHANGED' });
    // A recipient with no keyed device cannot receive a sealed message at all.
    expect(sealRefusal(['d1'], [], 'bob')).toEqual({
      code: 'BAD_REQUEST',
      message: 'bob has no device that can receive end-to-end encrypted messages',
    });
    expect(sealRefusal([], [], 'bob')).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('with read receipts off, a normal message is read without a receipt and every other answer stays', () => {
    expect(decideOpen(live(null), RECIPIENT, AT, DEVICE, false)).toEqual({ effect: 'read', message: ROW });
    expect(decideRead(live(null), RECIPIENT, false)).toEqual({ effect: 'ignore' });
    // Burns do not depend on receipt settings (rule 8); refusals are the same.
    for (const [name, found] of Object.entries(STATES)) {
      for (const actor of Object.values(ACTORS)) {
        const quiet = decideOpen(found, actor, AT, DEVICE, false);
        const loud = decideOpen(found, actor, AT, DEVICE, true);
        if (loud.effect === 'receipt') expect(quiet, name).toEqual({ effect: 'read', message: ROW });
        else expect(quiet, name).toEqual(loud);
        const quietRead = decideRead(found, actor, false);
        const loudRead = decideRead(found, actor, true);
        if (loudRead.effect === 'receipt') expect(quietRead, name).toEqual({ effect: 'ignore' });
        else expect(quietRead, name).toEqual(loudRead);
      }
    }
  });

  it('lets only the sender recall a live normal message, within the window', () => {
    const WINDOW = 120_000;
    const normal = live(null);
    expect(decideRecall(normal, SENDER, AT, AT - WINDOW, WINDOW)).toEqual({ effect: 'recall', message: ROW });
    expect(decideRecall(normal, SENDER, AT, AT - WINDOW - 1, WINDOW)).toEqual({
      effect: 'refuse',
      refusal: { code: 'FORBIDDEN', message: 'The time to recall this message has passed' },
    });
    expect(decideRecall(normal, RECIPIENT, AT, AT, WINDOW)).toMatchObject({
      refusal: { code: 'FORBIDDEN', message: 'Only the sender may recall a message' },
    });
    // Outsiders learn nothing: the same answer as for an id that never existed.
    expect(decideRecall(normal, 'u_outsider', AT, AT, WINDOW)).toEqual(
      decideRecall({ state: 'none' }, 'u_outsider', AT, AT, WINDOW),
    );
    expect(decideRecall({ state: 'none' }, SENDER, AT, null, WINDOW)).toMatchObject({
      refusal: { code: 'NOT_FOUND' },
    });
    // Burn messages, live or burned, have revoke instead: BAD_REQUEST for both participants.
    for (const state of ['burn', 'burn-due', 'sealed', 'burned-opened', 'burned-revoked']) {
      for (const actor of [SENDER, RECIPIENT]) {
        expect(decideRecall(STATES[state] as Found<typeof ROW>, actor, AT, AT, WINDOW)).toMatchObject({
          refusal: { code: 'BAD_REQUEST' },
        });
      }
      expect(decideRecall(STATES[state] as Found<typeof ROW>, 'u_outsider', AT, AT, WINDOW)).toMatchObject({
        refusal: { code: 'NOT_FOUND' },
      });
    }
  });

  it('burns the burn messages of a deleted account (revoked when it sent them, expired when it received them)', () => {
    expect(decideAccountDeletion(live(AT + 1), SENDER)).toEqual({
      effect: 'burn',
      reason: 'revoked',
      message: ROW,
    });
    expect(decideAccountDeletion(live(AT + 1, ['d1']), RECIPIENT)).toEqual({
      effect: 'burn',
      reason: 'expired',
      message: ROW,
    });
    expect(decideAccountDeletion(live(null), SENDER)).toEqual({ effect: 'delete', message: ROW });
    expect(decideAccountDeletion(live(null), RECIPIENT)).toEqual({ effect: 'delete', message: ROW });
    expect(decideAccountDeletion(live(AT + 1), 'u_outsider')).toBeNull();
    expect(decideAccountDeletion(STATES['burned-opened'] as Found<typeof ROW>, SENDER)).toBeNull();
    expect(decideAccountDeletion({ state: 'none' }, SENDER)).toBeNull();
  });

  it('counts a deadline as reached at its own millisecond, by the server clock only', () => {
    expect(isDue(null, AT)).toBe(false);
    expect(isDue(AT + 1, AT)).toBe(false);
    expect(isDue(AT, AT)).toBe(true);
    expect(isDue(AT - 1, AT)).toBe(true);
  });

  it('refuses a send to oneself and to an unknown user, and nothing else', () => {
    expect(sendRefusal('alice', 'alice', true)).toMatchObject({ code: 'BAD_REQUEST' });
    expect(sendRefusal('alice', 'nobody', false)).toEqual({ code: 'NOT_FOUND', message: 'No such user' });
    expect(sendRefusal('alice', 'bob', true)).toBeNull();
  });

  it('stores a burn policy with the defaults, the --max-ttl clamp and a deadline from the send time', () => {
    const maxTtl = 30 * 24 * 3600;
    expect(burnPolicy({}, AT, maxTtl)).toEqual({
      ttlSeconds: DEFAULT_TTL_SECONDS,
      viewSeconds: 0,
      expiresAt: AT + DEFAULT_TTL_SECONDS * 1000,
    });
    expect(burnPolicy({ ttlSeconds: 5, viewSeconds: 10 }, AT, maxTtl)).toEqual({
      ttlSeconds: 5,
      viewSeconds: 10,
      expiresAt: AT + 5_000,
    });
    // Clamped, not refused: a server with a shorter --max-ttl still takes the message.
    expect(burnPolicy({ ttlSeconds: 3600 }, AT, 60)).toEqual({
      ttlSeconds: 60,
      viewSeconds: 0,
      expiresAt: AT + 60_000,
    });
  });
});
