const day = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });

/** "Today", "Yesterday" or a date between messages of different days. */
export function DaySeparator({ at }: { at: number }) {
  const today = new Date().setHours(0, 0, 0, 0);
  const label = at >= today ? 'Today' : at >= today - 86_400_000 ? 'Yesterday' : day.format(at);
  return (
    <p className="day">
      <span>{label}</span>
    </p>
  );
}
