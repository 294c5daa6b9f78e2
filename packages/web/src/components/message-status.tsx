import type { StoredMessage } from '../session/sdk-types.ts';
import { CheckIcon, DoubleCheckIcon } from './icons.tsx';

/** The delivery state of one of my messages, as a word and a tick. */
export function MessageStatus({ status }: { status: StoredMessage['status'] }) {
  switch (status) {
    case 'read':
      return (
        <span className="status status--read" data-status="read">
          <DoubleCheckIcon />
          Read
        </span>
      );
    case 'delivered':
      return (
        <span className="status status--delivered" data-status="delivered">
          <DoubleCheckIcon />
          Delivered
        </span>
      );
    default:
      return (
        <span className="status status--sent" data-status="sent">
          <CheckIcon />
          Sent
        </span>
      );
  }
}
