import { useFormat } from '../i18n/use-format.ts';

/** "Today", "Yesterday" or a date between messages of different days. */
export function DaySeparator({ at }: { at: number }) {
  const format = useFormat();
  return (
    <p className="day">
      <span>{format.day(at, Date.now())}</span>
    </p>
  );
}
