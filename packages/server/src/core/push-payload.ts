import {
  MAX_PUSH_PREVIEW_LENGTH,
  type MessagePushPayload,
  PUSH_PAYLOAD_VERSION,
  PushPayload,
} from '@cinder/protocol';

/**
 * A stored message as the pushes see it. A burn message has no text here at all, so no code
 * path can put its content in a push; a normal message's text is there for previews.
 */
export type PushedMessage =
  | {
      kind: 'burn';
      recipientId: string;
      from: string;
      /** Its unopened lifetime: a push held longer by the push service would be news of nothing. */
      ttlSeconds: number;
    }
  | { kind: 'message'; recipientId: string; from: string; text: string };

/** Longest a push service holds an undelivered push: a day, less for a burn message that expires sooner. */
export const MAX_PUSH_TTL_SECONDS = 24 * 3600;

/**
 * The payload for one device: who sent a burn message; or who sent a normal message with, when
 * the device turned previews on, the start of its text. Checked against the protocol's schema
 * (strict), so a payload with anything more is a bug that throws here and is never sent.
 */
export function pushPayload(message: PushedMessage, previews: boolean): PushPayload {
  if (message.kind === 'burn') {
    return PushPayload.parse({ v: PUSH_PAYLOAD_VERSION, kind: 'burn', from: message.from });
  }
  const payload: MessagePushPayload = { v: PUSH_PAYLOAD_VERSION, kind: 'message', from: message.from };
  const preview = previews ? previewOf(message.text) : '';
  if (preview !== '') payload.preview = preview;
  return PushPayload.parse(payload);
}

/** How long the push service may hold the push for `message` (the `TTL` header), in seconds. */
export function pushTtl(message: PushedMessage): number {
  return message.kind === 'burn'
    ? Math.max(1, Math.min(message.ttlSeconds, MAX_PUSH_TTL_SECONDS))
    : MAX_PUSH_TTL_SECONDS;
}

/**
 * The start of `text` for a preview: whitespace runs folded to one space, at most
 * `MAX_PUSH_PREVIEW_LENGTH` UTF-16 code units with the ellipsis, cut between code points.
 */
export function previewOf(text: string): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  if (folded.length <= MAX_PUSH_PREVIEW_LENGTH) return folded;
  let out = '';
  for (const point of folded) {
    if (out.length + point.length > MAX_PUSH_PREVIEW_LENGTH - 1) break;
    out += point;
  }
  return `${out.trimEnd()}…`;
}
