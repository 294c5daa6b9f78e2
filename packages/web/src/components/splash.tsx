import { Brand } from './brand.tsx';

/** Shown while the saved device resumes, or while the server cannot be reached. */
export function Splash({ unreachable = false }: { unreachable?: boolean }) {
  return (
    <main className="splash" aria-busy={!unreachable}>
      <Brand />
      <p className="splash__text" role="status">
        {unreachable ? 'Can’t reach the server. Retrying…' : 'Connecting…'}
      </p>
    </main>
  );
}
