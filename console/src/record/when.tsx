const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/**
 * "3 minutes ago", "in 2 hours": the largest unit that fits between `at` and `now`, rounded to the nearest (a task
 * due in 2 days, read a moment after it was made, is due "in 2 days", not "tomorrow").
 */
export function relativeTime(at: Date, now: Date): string {
  const seconds = Math.round((at.getTime() - now.getTime()) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(0, 'second');
}

/**
 * A moment as people read it: relative to now, with the exact time in the title (hover) and in `datetime` for
 * assistive technology. Re-rendered by each poll of the page, so "seconds ago" keeps up.
 */
export function When({ at }: { at: string }) {
  const date = new Date(at);
  return (
    <time dateTime={at} title={absolute.format(date)}>
      {relativeTime(date, new Date())}
    </time>
  );
}

/** An optional moment, or a dash. */
export function MaybeWhen({ at }: { at?: string | null }) {
  return at ? <When at={at} /> : <span class="muted">—</span>;
}
