import { randomBytes } from 'node:crypto';

/** A random 32-byte marker, hex: content a test sends and then searches for (wire, disk, logs). */
export function marker(): string {
  return randomBytes(32).toString('hex');
}
