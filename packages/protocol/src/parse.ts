import { RequestId } from './common.ts';
import { CinderError } from './errors.ts';
import { ClientFrame, ServerFrame } from './frames.ts';
import { decodeUtf8, parseJson } from './json.ts';

/** Outcome of parsing one inbound frame: the value, or the typed error to answer with. */
export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: CinderError /** the request id, when it could be read */; rid: string | null };

/** The issues part of a zod `safeParse` failure, as `describeIssue` reads it. */
export interface SchemaIssues {
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>;
}

interface Schema<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error: SchemaIssues };
}

/**
 * Where an input is wrong, for a BAD_REQUEST message: the field path down to a frame's or body's
 * own fields (`ext`, `burn.ttlSeconds`, `ids.3`) and the rule, never a value. Paths inside
 * `ext` are cut at `ext`: its keys are the app's and may carry content.
 */
export function describeIssue(error: SchemaIssues, whole: string): string {
  const issue = error.issues[0];
  if (!issue) return `Invalid ${whole}`;
  const path = issue.path[0] === 'ext' ? ['ext'] : issue.path;
  const where = path.length > 0 ? path.map(String).join('.') : whole;
  return `${where}: ${issue.message}`;
}

/**
 * Parse a JSON text (or UTF-8 bytes) and validate it; never throws. Refused with a message that
 * says what is wrong and never echoes values: bytes that are not UTF-8, invalid JSON (or JSON too
 * deep for the engine's parser), and schema failures.
 * `whole` names the input in messages ("frame", "body").
 */
export function parseInput<T>(
  schema: Schema<T>,
  input: string | Uint8Array,
  whole: string,
): { ok: true; value: T; raw: unknown } | { ok: false; message: string; raw: unknown } {
  try {
    const text = typeof input === 'string' ? input : decodeUtf8(input);
    if (typeof text !== 'string') {
      return { ok: false, message: `The ${whole} is not valid UTF-8`, raw: undefined };
    }
    const json = parseJson(text);
    if (!json.ok) {
      const message =
        json.reason === 'depth' ? `The ${whole} nests too deeply` : `The ${whole} is not valid JSON`;
      return { ok: false, message, raw: undefined };
    }
    const parsed = schema.safeParse(json.value);
    if (parsed.success) return { ok: true, value: parsed.data, raw: json.value };
    return { ok: false, message: describeIssue(parsed.error, whole), raw: json.value };
  } catch {
    // A schema that throws is a bug here; the input still gets a typed answer.
    return { ok: false, message: `Invalid ${whole}`, raw: undefined };
  }
}

/**
 * The request id of a parsed frame that failed validation, when it is one a `rid` may be (so an
 * error frame that echoes it is valid); null otherwise. Never anything else of the frame.
 */
export function readableRid(raw: unknown): string | null {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.hasOwn(raw, 'rid')) {
    const rid = RequestId.safeParse((raw as { rid: unknown }).rid);
    if (rid.success) return rid.data;
  }
  return null;
}

function parseFrame<T>(schema: Schema<T>, input: string | Uint8Array): ParseResult<T> {
  const result = parseInput(schema, input, 'frame');
  if (result.ok) return { ok: true, value: result.value };
  return { ok: false, error: new CinderError('BAD_REQUEST', result.message), rid: readableRid(result.raw) };
}

/**
 * Parse and validate a frame a client sent (text, or the bytes of a binary frame, which must be
 * UTF-8). Used by the server at the socket edge. Total: any input gives a frame or BAD_REQUEST.
 */
export function parseClientFrame(input: string | Uint8Array): ParseResult<ClientFrame> {
  return parseFrame(ClientFrame, input);
}

/** Parse and validate a frame the server sent. Used by the SDK at the socket edge. Never throws. */
export function parseServerFrame(input: string | Uint8Array): ParseResult<ServerFrame> {
  return parseFrame(ServerFrame, input);
}
