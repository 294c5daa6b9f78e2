/** Number of avatar colour classes in avatar.css (`.avatar--0` … `.avatar--7`). */
const HUES = 8;

/** A stable colour class index for a username, so each peer keeps one colour. */
export function avatarHue(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % HUES;
}
