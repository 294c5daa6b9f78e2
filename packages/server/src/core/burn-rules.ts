import { type BurnPolicy, type BurnReason, DEFAULT_TTL_SECONDS, type ErrorCode } from '@cinder/protocol';

/**
 * The burn contract's decisions (SPEC.md, "The burn contract"), pure: no database, no I/O, no
 * clock. A storage finds what it holds under an id (with the lock its engine needs), asks the
 * function of the verb what to do, and performs that effect in the same transaction. Each rule is
 * decided here and nowhere else; packages/server/README.md maps rule → function.
 */

/**
 * What storage found under a message id, inside the verb's transaction. `M` is the storage's own
 * handle on a live message (its row); a decision to act hands it back, so the effect is performed
 * on exactly what was decided on.
 */
export type Found<M = unknown> =
  /** A message not burned yet. `expiresAt` is null for a normal message, the deadline for a burn message. */
  | {
      state: 'live';
      message: M;
      senderId: string;
      recipientId: string;
      expiresAt: number | null;
      /** A sealed burn message: the recipient's devices it was sealed for; null otherwise. */
      sealedFor: readonly string[] | null;
    }
  /** A burn message's tombstone (kept for `--tombstone-retention`). */
  | { state: 'burned'; senderId: string; recipientId: string; reason: BurnReason }
  /** Nothing: never existed, or burned so long ago that its tombstone was pruned. */
  | { state: 'none' };

/** Why a verb is refused: becomes the `CinderError` the caller gets. */
export interface Refusal {
  code: ErrorCode;
  message?: string;
}

/**
 * The effects a decision may ask for:
 * - `take`: read the burn message's content and burn it (`opened`), in one transaction;
 * - `receipt`: add that receipt once (a repeat adds nothing and appends no event);
 * - `read`: return a normal message's content without a read receipt (its reader turned read
 *   receipts off);
 * - `burn`: burn it with that reason;
 * - `expire`: it was found past its deadline, so it burns (`expired`) in this transaction, and
 *   the verb is then refused as it would be for the burned message;
 * - `refuse`: do nothing and fail with the refusal; `ignore`: do nothing and succeed.
 */
type Refuse = { effect: 'refuse'; refusal: Refusal };
type Expire<M> = { effect: 'expire'; message: M; refusal: Refusal };

/** Open: take a burn message or read a normal one. */
export type OpenDecision<M> =
  | { effect: 'take'; message: M }
  | { effect: 'receipt'; type: 'read'; message: M }
  | { effect: 'read'; message: M }
  | Expire<M>
  | Refuse;

/** Read receipt of a normal message. */
export type ReadDecision<M> = { effect: 'receipt'; type: 'read'; message: M } | { effect: 'ignore' } | Refuse;

/** The sender burns its own unopened burn message. */
export type RevokeDecision<M> = { effect: 'burn'; reason: 'revoked'; message: M } | Expire<M> | Refuse;

/** The sender recalls its own normal message (消息撤回, docs/accounts.md). */
export type RecallDecision<M> = { effect: 'recall'; message: M } | Refuse;

/** A delivery receipt; anything else is ignored (the request carries many ids). */
export type DeliveredDecision<M> =
  | { effect: 'receipt'; type: 'delivered'; message: M }
  | { effect: 'ignore' };

/** The sweeper's verb. */
export type ExpiryDecision<M> = { effect: 'burn'; reason: 'expired'; message: M } | { effect: 'ignore' };

const NOT_FOUND: Refusal = { code: 'NOT_FOUND' };
const BURNED: Refusal = { code: 'BURNED' };
const OPEN_FORBIDDEN: Refusal = { code: 'FORBIDDEN', message: 'Only the recipient may open a message' };
const READ_FORBIDDEN: Refusal = { code: 'FORBIDDEN', message: 'Only the recipient may mark a message read' };
const REVOKE_FORBIDDEN: Refusal = { code: 'FORBIDDEN', message: 'Only the sender may revoke a message' };
const READ_BURN: Refusal = { code: 'BAD_REQUEST', message: 'Burn messages are opened, not read' };
const OTHER_DEVICES: Refusal = { code: 'SEALED_FOR_OTHER_DEVICES' };
const REVOKE_NORMAL: Refusal = { code: 'BAD_REQUEST', message: 'Only burn messages can be revoked' };

/** Rule 5: a burn message is due once its deadline is reached, by the server's clock. */
export function isDue(expiresAt: number | null, at: number): boolean {
  return expiresAt !== null && expiresAt <= at;
}

/** Rule 11: only the two participants may learn that a message exists. */
function isParticipant<M>(found: Found<M>, actor: string): found is Exclude<Found<M>, { state: 'none' }> {
  return found.state !== 'none' && (found.senderId === actor || found.recipientId === actor);
}

/** Rules 2, 5, 11: the refusal of an open of a burned (or just expired) message. */
function openRefusal<M>(found: Found<M>, actor: string): Refusal {
  if (!isParticipant(found, actor)) return NOT_FOUND;
  return found.senderId === actor ? OPEN_FORBIDDEN : BURNED;
}

/** Rules 6, 11: the refusal of a revoke of a burned (or just expired) message. */
function revokeRefusal<M>(found: Found<M>, actor: string): Refusal {
  if (!isParticipant(found, actor)) return NOT_FOUND;
  return found.senderId === actor ? BURNED : REVOKE_FORBIDDEN;
}

/**
 * Rules 2 and 11: only the recipient opens; a burn message is taken at most once (then `BURNED`);
 * a normal message is returned with its read receipt. A burn message past its deadline expires
 * instead (rule 5), even when an outsider asked: it is due anyway, and the outsider learns nothing.
 * A sealed burn message opens only on a device it was sealed for (`device`, the opening device):
 * on a device added later it is refused before anything is taken, and stays for the others.
 * A reader who turned read receipts off (`readReceipts` false) reads a normal message without
 * one; a burn message burns all the same (rule 8: burns do not depend on receipt settings).
 */
export function decideOpen<M>(
  found: Found<M>,
  actor: string,
  at: number,
  device: string,
  readReceipts = true,
): OpenDecision<M> {
  if (found.state === 'live' && isDue(found.expiresAt, at)) {
    return { effect: 'expire', message: found.message, refusal: openRefusal(found, actor) };
  }
  if (found.state !== 'live' || found.recipientId !== actor) {
    return { effect: 'refuse', refusal: openRefusal(found, actor) };
  }
  if (found.expiresAt === null) {
    return readReceipts
      ? { effect: 'receipt', type: 'read', message: found.message }
      : { effect: 'read', message: found.message };
  }
  if (found.sealedFor !== null && !found.sealedFor.includes(device)) {
    return { effect: 'refuse', refusal: OTHER_DEVICES };
  }
  return { effect: 'take', message: found.message };
}

/**
 * Read receipts (the seed pattern, rule 8): only for a normal message, only by its recipient.
 * A burn message is opened, not read, whatever its state; it does not expire here (the sweeper
 * burns it within a second). A reader who turned read receipts off (`readReceipts` false) gets
 * the same answers, and nothing is recorded or sent.
 */
export function decideRead<M>(found: Found<M>, actor: string, readReceipts = true): ReadDecision<M> {
  if (!isParticipant(found, actor)) return { effect: 'refuse', refusal: NOT_FOUND };
  if (found.state === 'burned' || found.expiresAt !== null) return { effect: 'refuse', refusal: READ_BURN };
  if (found.recipientId !== actor) return { effect: 'refuse', refusal: READ_FORBIDDEN };
  if (!readReceipts) return { effect: 'ignore' };
  return { effect: 'receipt', type: 'read', message: found.message };
}

/** Rules 6 and 11: only the sender revokes, only a burn message, only before it burned. */
export function decideRevoke<M>(found: Found<M>, actor: string, at: number): RevokeDecision<M> {
  if (found.state === 'live' && isDue(found.expiresAt, at)) {
    return { effect: 'expire', message: found.message, refusal: revokeRefusal(found, actor) };
  }
  if (found.state !== 'live' || found.senderId !== actor) {
    return { effect: 'refuse', refusal: revokeRefusal(found, actor) };
  }
  if (found.expiresAt === null) return { effect: 'refuse', refusal: REVOKE_NORMAL };
  return { effect: 'burn', reason: 'revoked', message: found.message };
}

const RECALL_FORBIDDEN: Refusal = { code: 'FORBIDDEN', message: 'Only the sender may recall a message' };
const RECALL_BURN: Refusal = {
  code: 'BAD_REQUEST',
  message: 'Burn messages are revoked, not recalled',
};
const RECALL_CLOSED: Refusal = { code: 'FORBIDDEN', message: 'The time to recall this message has passed' };

/**
 * Recall (消息撤回, not a burn rule: normal messages only): the sender takes back a live normal
 * message while `at` is within `windowMs` of its `sentAt` (the server's clocks both). To anyone
 * else it does not exist (rule 11); a burn message, live or burned, is BAD_REQUEST for its
 * participants (it has revoke); the recipient is FORBIDDEN; a closed window is FORBIDDEN with
 * its own message. A recalled message is gone: a second recall finds nothing (NOT_FOUND).
 */
export function decideRecall<M>(
  found: Found<M>,
  actor: string,
  at: number,
  sentAt: number | null,
  windowMs: number,
): RecallDecision<M> {
  if (!isParticipant(found, actor)) return { effect: 'refuse', refusal: NOT_FOUND };
  if (found.state === 'burned' || found.expiresAt !== null) return { effect: 'refuse', refusal: RECALL_BURN };
  if (found.senderId !== actor) return { effect: 'refuse', refusal: RECALL_FORBIDDEN };
  if (sentAt === null || at - sentAt > windowMs) return { effect: 'refuse', refusal: RECALL_CLOSED };
  return { effect: 'recall', message: found.message };
}

/** What deleting an account does to one message it sent or received. */
export type AccountDeletionDecision<M> =
  | { effect: 'burn'; reason: 'revoked' | 'expired'; message: M }
  | { effect: 'delete'; message: M };

/**
 * Deleting an account (docs/accounts.md) burns every live burn message it sent or received, so
 * the other side's devices hear `burned` like for any burn (rule 3): one the account sent is
 * `revoked` (its sender took it back), one it received is `expired` (it can never be opened now,
 * as if its ttl had passed). A normal message is deleted without an event.
 */
export function decideAccountDeletion<M>(
  found: Found<M>,
  deleted: string,
): AccountDeletionDecision<M> | null {
  if (found.state !== 'live' || (found.senderId !== deleted && found.recipientId !== deleted)) return null;
  if (found.expiresAt === null) return { effect: 'delete', message: found.message };
  return {
    effect: 'burn',
    reason: found.senderId === deleted ? 'revoked' : 'expired',
    message: found.message,
  };
}

/**
 * Delivery receipts: for a live message the actor received, burn messages included until their
 * deadline. Unknown, foreign, burned or due ids are ignored: the reply must not tell them apart.
 */
export function decideDelivered<M>(found: Found<M>, actor: string, at: number): DeliveredDecision<M> {
  if (found.state !== 'live' || found.recipientId !== actor || isDue(found.expiresAt, at)) {
    return { effect: 'ignore' };
  }
  return { effect: 'receipt', type: 'delivered', message: found.message };
}

/** Rule 5: the sweeper burns a live burn message at its deadline, and nothing else. */
export function decideExpiry<M>(found: Found<M>, at: number): ExpiryDecision<M> {
  return found.state === 'live' && isDue(found.expiresAt, at)
    ? { effect: 'burn', reason: 'expired', message: found.message }
    : { effect: 'ignore' };
}

/** Why a send is refused before anything is stored (rule 11: an unknown user is `NOT_FOUND`). */
export function sendRefusal(from: string, to: string, recipientExists: boolean): Refusal | null {
  if (to === from) return { code: 'BAD_REQUEST', message: 'You cannot send a message to yourself' };
  if (!recipientExists) return { code: 'NOT_FOUND', message: 'No such user' };
  return null;
}

/**
 * Rules 5 and 7: the policy a burn message is stored with. The ttl defaults to 7 days and is
 * clamped (not refused) to the server's `--max-ttl`; the view window defaults to 0 (until the
 * reader closes it). The deadline is the server's clock at the send plus the ttl.
 */
export function burnPolicy(
  requested: { ttlSeconds?: number | undefined; viewSeconds?: number | undefined },
  sentAt: number,
  maxTtlSeconds: number,
): BurnPolicy {
  const ttlSeconds = Math.min(requested.ttlSeconds ?? DEFAULT_TTL_SECONDS, maxTtlSeconds);
  return { ttlSeconds, viewSeconds: requested.viewSeconds ?? 0, expiresAt: sentAt + ttlSeconds * 1000 };
}

/**
 * A sealed burn message must be sealed to every current device of the recipient that has a key,
 * so that each of them can be the one to open it (`KEYS_CHANGED` when one was added since the
 * sender read the directory). A recipient with no such device cannot receive burn messages.
 */
export function sealRefusal(
  sealedFor: readonly string[],
  current: readonly string[],
  to: string,
): Refusal | null {
  if (current.length === 0) {
    return {
      code: 'BAD_REQUEST',
      message: `${to} has no device that can receive end-to-end encrypted messages`,
    };
  }
  const sealed = new Set(sealedFor);
  return current.every((device) => sealed.has(device)) ? null : { code: 'KEYS_CHANGED' };
}
