import { LockIcon } from './icons.tsx';

/** "End-to-end encrypted" with a lock: said wherever a burn message is written, sealed or shown. */
export function EncryptedLabel({ className }: { className?: string }) {
  return (
    <span className={className ? `e2e ${className}` : 'e2e'}>
      <LockIcon />
      End-to-end encrypted
    </span>
  );
}
