import '../styles/deterrence.css';

/** How many times the name repeats: enough to tile a full-screen photo at phone and laptop sizes. */
const TILES = 24;
const KEYS = Array.from({ length: TILES }, (_, i) => `w${i}`);

/**
 * The reader's own username, faint, repeated and rotated over opened burn content: a screenshot or a
 * photo of the screen carries the name of the account it was taken from. Drawn by CSS from
 * `data-watermark` (`content: attr(…)`), so the name is not text of the page (nothing to select,
 * copy or read aloud), and the layer lets every press through to what is under it.
 */
export function Watermark({ name, dense = true }: { name: string; dense?: boolean }) {
  // Sparse: one row across a text bubble, which may be a single line.
  return (
    <div
      className={dense ? 'watermark' : 'watermark watermark--sparse'}
      aria-hidden="true"
      data-testid="watermark"
    >
      {(dense ? KEYS : KEYS.slice(0, 4)).map((key) => (
        <span key={key} className="watermark__mark" data-watermark={name} />
      ))}
    </div>
  );
}
