import { CinderError } from './errors.ts';
import { ClientFrame, ServerFrame } from './frames.ts';

/** Outcome of parsing one inbound frame: the value, or the typed error to answer with. */
export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: CinderError /** the request id, when it could be read */; rid: string | null };

function ridOf(raw: unknown): string | null {
  if (typeof raw === 'object' && raw !== null && 'rid' in raw) {
    const rid = (raw as { rid: unknown }).rid;
    if (typeof rid === 'string' && rid.length > 0 && rid.length <= 64) return rid;
  }
  return null;
}

function parseWith<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } };
  },
  text: string,
): ParseResult<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: new CinderError('BAD_REQUEST', 'Frame is not valid JSON'), rid: null };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  // Describe where the frame is wrong, never echo its values (they may be content).
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : 'frame';
  const message = issue ? `${where}: ${issue.message}` : 'Invalid frame';
  return { ok: false, error: new CinderError('BAD_REQUEST', message), rid: ridOf(raw) };
}

/** Parse and validate a frame a client sent. Used by the server at the socket edge. */
export function parseClientFrame(text: string): ParseResult<ClientFrame> {
  return parseWith(ClientFrame, text);
}

/** Parse and validate a frame the server sent. Used by the SDK at the socket edge. */
export function parseServerFrame(text: string): ParseResult<ServerFrame> {
  return parseWith(ServerFrame, text);
}
