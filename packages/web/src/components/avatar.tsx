import { avatarHue } from '../lib/avatar-hue.ts';

/** A round initial for a username, in a colour that stays the same for that name. */
export function Avatar({ name, size = 'md' }: { name: string; size?: 'sm' | 'md' | 'lg' }) {
  return (
    <span className={`avatar avatar--${size} avatar--hue-${avatarHue(name)}`} aria-hidden="true">
      {(name[0] ?? '?').toUpperCase()}
    </span>
  );
}
