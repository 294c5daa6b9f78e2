import { Brand } from './brand.tsx';

/** Shown when another tab of this browser is the active Cinder tab. */
export function ElsewhereScreen({ onUseHere }: { onUseHere: () => void }) {
  return (
    <main className="splash">
      <Brand />
      <p className="splash__text">Cinder is open in another tab.</p>
      <button type="button" className="button button--primary" onClick={onUseHere}>
        Use here
      </button>
    </main>
  );
}
