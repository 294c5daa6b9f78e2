import { CinderError, parseInput } from '@cinder/protocol';
import type { Context } from 'hono';
import type { z } from 'zod';

/**
 * Parse and validate a JSON body with a protocol schema; BAD_REQUEST otherwise. Like the frame
 * edge (`parseInput`, which never throws), the error says where the body is wrong and never
 * echoes its values. The body is decoded as strict UTF-8: invalid bytes are refused, not turned
 * into U+FFFD (a password or device name would change silently).
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  const parsed = parseInput<z.infer<S>>(schema, bytes, 'body');
  if (!parsed.ok) throw new CinderError('BAD_REQUEST', parsed.message);
  return parsed.value;
}
