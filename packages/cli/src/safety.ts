import type { KeyChange } from '@cinder/sdk';
import { ENGLISH, type I18n } from './i18n/i18n.ts';

/**
 * A safety number (60 digits in 12 groups of 5, as the SDK gives it) as 3 lines of 4 groups:
 * the layout people read aloud and compare line by line.
 */
export function safetyNumberLines(safetyNumber: string): string[] {
  const groups = safetyNumber.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += 4) lines.push(groups.slice(i, i + 4).join(' '));
  return lines;
}

/**
 * What the CLI says on stderr when the SDK reports that a peer's device keys changed: the
 * conversation's safety number is no longer the one seen before, and `verifyCommand` (e.g.
 * `cinder verify bob`) shows the new one. A second line when the replaced keys had been verified.
 */
export function keyChangeNotice(change: KeyChange, verifyCommand: string, i18n: I18n = ENGLISH): string {
  const user = change.username;
  const lines = [i18n.t('safety.changed', { user, command: verifyCommand })];
  if (change.verified) lines.push(i18n.t('verify.wasVerified', { user }));
  return lines.join('\n');
}
