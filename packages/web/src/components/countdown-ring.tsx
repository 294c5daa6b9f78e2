/** Props of {@link CountdownRing}. */
export interface CountdownRingProps {
  /** Milliseconds left. */
  remainingMs: number;
  /** The whole window, in milliseconds. */
  totalMs: number;
}

const RADIUS = 15;
const CIRCUMFERENCE = 2 * Math.PI * RADIUS;

/**
 * A ring that empties as the view window runs out, with the seconds left in the middle.
 * Drawn with SVG attributes rather than inline styles, which the CSP forbids.
 */
export function CountdownRing({ remainingMs, totalMs }: CountdownRingProps) {
  const fraction = totalMs > 0 ? Math.min(1, Math.max(0, remainingMs / totalMs)) : 0;
  const seconds = Math.ceil(Math.max(0, remainingMs) / 1000);
  return (
    <span className="countdown" aria-hidden="true">
      <svg className="countdown__svg" viewBox="0 0 36 36" focusable="false" aria-hidden="true">
        <circle className="countdown__track" cx="18" cy="18" r={RADIUS} />
        <circle
          className="countdown__bar"
          cx="18"
          cy="18"
          r={RADIUS}
          strokeDasharray={CIRCUMFERENCE}
          strokeDashoffset={CIRCUMFERENCE * (1 - fraction)}
          transform="rotate(-90 18 18)"
        />
      </svg>
      <span className="countdown__number">{seconds}</span>
    </span>
  );
}
