import { FlameIcon } from './icons.tsx';

/** The Cinder mark and name. */
export function Brand({ compact = false }: { compact?: boolean }) {
  return (
    <span className={compact ? 'brand brand--compact' : 'brand'}>
      <span className="brand__mark">
        <FlameIcon />
      </span>
      <span className="brand__name">Cinder</span>
    </span>
  );
}
