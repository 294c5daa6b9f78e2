import { CinderError } from '@cinder/protocol';
import type { Context } from 'hono';

/**
 * Read a request body of at most `maxBytes`, chunk by chunk as it arrives, never holding more:
 * a longer body is PAYLOAD_TOO_LARGE as soon as it passes the cap (the answer closes the
 * connection, since the rest is not read). A body cut off by the client (shorter than its
 * Content-Length) is BAD_REQUEST.
 */
export async function readBytes(c: Context, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(c.req.header('content-length'));
  const tooLarge = () => {
    c.header('Connection', 'close');
    return new CinderError('PAYLOAD_TOO_LARGE', `One request carries at most ${maxBytes} bytes`);
  };
  const cutOff = () => new CinderError('BAD_REQUEST', 'The body ended before it was complete');
  if (declared > maxBytes) throw tooLarge();
  const body = c.req.raw.body;
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      length += value.length;
      if (length > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof CinderError) throw error;
    throw cutOff();
  }
  // However the connection ended, a body shorter than it said it was is not stored.
  if (Number.isFinite(declared) && c.req.header('content-length') !== undefined && length !== declared) {
    throw cutOff();
  }
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
