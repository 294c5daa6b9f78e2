/**
 * JSON read from the network, checked without unbounded recursion: strict UTF-8 decoding, a
 * `JSON.parse` that cannot throw, and a depth-bounded walk over parsed values that measures their
 * JSON size and refuses what would not arrive exactly as sent (see the protocol README,
 * "Content is carried exactly").
 */

/** Strings are checked with the engine's `isWellFormed` where it exists (Node 20, current browsers). */
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;
/** In `u` mode a surrogate pair is one code point: this matches lone surrogates only. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** True when `s` has no lone surrogate, i.e. it survives UTF-8 (and SQLite, PostgreSQL) unchanged. */
export function isWellFormed(s: string): boolean {
  return nativeWellFormed ? nativeWellFormed.call(s) : !LONE_SURROGATE.test(s);
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Bytes as UTF-8 text; null when they are not valid UTF-8 (never replaced with U+FFFD). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Why a value cannot be carried as JSON exactly; messages name no key and echo no value. */
export type JsonProblem = 'depth' | 'size' | 'surrogate' | 'proto' | 'type';

export const JSON_PROBLEM_MESSAGES: Readonly<Record<JsonProblem, string>> = {
  depth: 'nested too deeply',
  size: 'too large',
  surrogate: 'strings and keys must be well-formed Unicode (no lone surrogates)',
  proto: 'a key named __proto__ is not allowed',
  type: 'only JSON values: strings, finite numbers, booleans, null, arrays and plain objects',
};

/** Limits of `jsonValueProblem`. */
export interface JsonLimits {
  /** Deepest nesting of arrays/objects; the value itself is level 1. */
  maxDepth: number;
  /** Largest UTF-8 size of the value's `JSON.stringify`. */
  maxBytes: number;
}

const encoder = new TextEncoder();

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Why `value` cannot travel as JSON exactly, or null when it can. Refused: nesting deeper than
 * `maxDepth`, a `JSON.stringify` larger than `maxBytes` (UTF-8), lone surrogates in strings or
 * keys, a `__proto__` key (`JSON.parse` makes it an own key, but the first object spread or
 * assignment into a plain object turns it into a prototype), and anything `JSON.stringify`
 * would change or drop (`undefined`, functions, non-finite numbers, class instances such as
 * `Date`, array holes). The walk never goes deeper than `maxDepth` and stops once a lower bound
 * of the size is over, so a huge or cyclic value costs no more than `maxBytes` of it; the exact
 * size is measured only then, natively.
 */
export function jsonValueProblem(value: unknown, limits: JsonLimits): JsonProblem | null {
  // A lower bound of the JSON size: every UTF-16 code unit is at least one UTF-8 byte.
  let atLeast = 0;
  const visit = (v: unknown, depth: number): JsonProblem | null => {
    switch (typeof v) {
      case 'string':
        atLeast += v.length + 2;
        if (atLeast > limits.maxBytes) return 'size';
        return isWellFormed(v) ? null : 'surrogate';
      case 'number':
        atLeast += 1;
        return Number.isFinite(v) ? null : 'type';
      case 'boolean':
        atLeast += 4;
        return null;
      case 'object': {
        atLeast += 2;
        if (v === null) return null;
        if (depth >= limits.maxDepth) return 'depth';
        if (atLeast > limits.maxBytes) return 'size';
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) {
            if (!(i in v)) return 'type';
            const problem = visit(v[i], depth + 1);
            if (problem) return problem;
            if (atLeast > limits.maxBytes) return 'size';
          }
          return null;
        }
        if (!isPlainObject(v)) return 'type';
        for (const key of Object.keys(v)) {
          if (key === '__proto__') return 'proto';
          if (!isWellFormed(key)) return 'surrogate';
          atLeast += key.length + 3;
          const problem = visit((v as Record<string, unknown>)[key], depth + 1);
          if (problem) return problem;
          if (atLeast > limits.maxBytes) return 'size';
        }
        return null;
      }
      default:
        // undefined, function, symbol, bigint
        return 'type';
    }
  };
  try {
    const problem = visit(value, 0);
    if (problem) return problem;
    return encoder.encode(JSON.stringify(value)).length > limits.maxBytes ? 'size' : null;
  } catch {
    // A getter or proxy that throws (a value built in code, never one from JSON.parse).
    return 'type';
  }
}

/** Result of `parseJson`. */
export type JsonParse = { ok: true; value: unknown } | { ok: false; reason: 'json' | 'depth' };

/**
 * `JSON.parse` that never throws. V8 parses any depth; engines that parse recursively throw
 * RangeError on deep input, which is reported as `depth`. Code that walks the parsed value must
 * bound its own depth (as `jsonValueProblem` does).
 */
export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: error instanceof RangeError ? 'depth' : 'json' };
  }
}
