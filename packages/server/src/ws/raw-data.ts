import { decodeUtf8, readableRid } from '@cinder/protocol';
import type { RawData } from 'ws';

/** The size of a frame as ws delivered it, without copying it. */
export function byteLengthOf(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

function bytesOf(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
}

/**
 * The frame's text. ws has checked that a text frame is UTF-8 (or closed with 1007); a binary
 * frame is decoded strictly here: null when it is not UTF-8 (replacing bytes with U+FFFD would
 * change the message silently).
 */
export function textOf(data: RawData, isBinary: boolean): string | null {
  const bytes = bytesOf(data);
  return isBinary ? decodeUtf8(bytes) : bytes.toString('utf8');
}

/** The `rid` of a frame we refuse to process, when it can be read; never anything else from it. */
export function ridOf(data: RawData): string | null {
  try {
    return readableRid(JSON.parse(bytesOf(data).toString('utf8')));
  } catch {
    return null; // not JSON: no rid
  }
}
