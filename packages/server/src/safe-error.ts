/**
 * An error as logged: its type, code and stack frames, never its message. Messages of foreign
 * errors can quote their input (JSON.parse does), and input may be message content.
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (typeof error === 'object' && error !== null && SAFE.has(error)) return error as Record<string, unknown>;
  if (!(error instanceof Error)) return remember({ type: typeof error });
  const code = (error as { code?: unknown }).code;
  const frames = (error.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  const fields: Record<string, unknown> = { type: error.name, stack: frames.join('\n') };
  if (typeof code === 'string' || typeof code === 'number') fields.code = code;
  if (error.name === 'CinderError') fields.message = error.message; // safe by contract
  return remember(fields);
}

/**
 * What `safeError` produced. Callers log `{ err: safeError(e) }` and the `err` serializer runs
 * `safeError` again: its own output passes through unchanged, anything else is reduced.
 */
const SAFE = new WeakSet<object>();

function remember(fields: Record<string, unknown>): Record<string, unknown> {
  SAFE.add(fields);
  return fields;
}
