import { CinderError } from '@cinder/protocol';
import type { Context } from 'hono';
import type { z } from 'zod';

/**
 * Parse and validate a JSON body with a protocol schema; BAD_REQUEST otherwise. Like the frame
 * edge, the error says where the body is wrong and never echoes its values.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw new CinderError('BAD_REQUEST', 'Body is not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  throw new CinderError('BAD_REQUEST', issue ? `${where}: ${issue.message}` : 'Invalid body');
}
