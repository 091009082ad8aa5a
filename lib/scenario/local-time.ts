/**
 * Local wall-clock time in a customer's time zone, computed with the platform's `Intl` data alone
 * (no luxon, no project code), so that the report checker judges times independently of the
 * permission gate it checks.
 */
import type { DailySpan } from '../customer/model';

const SECONDS_PER_DAY = 24 * 60 * 60;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * Seconds after local midnight of the wall-clock time at `epochMs` in `zone` (0 … 86,399). During
 * a fall-back overlap both occurrences of a wall time give the same value, which is what "local
 * time" means to the customer.
 */
export function localSecondsOfDay(zone: string, epochMs: number): number {
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatterFor(zone).formatToParts(new Date(epochMs))) {
    if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
    else if (part.type === 'second') second = Number(part.value);
  }
  return (hour * 3600 + minute * 60 + second) % SECONDS_PER_DAY;
}

/** `HH:MM:SS` for a number of seconds after midnight. */
export function formatSecondsOfDay(seconds: number): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  return `${pad(Math.floor(seconds / 3600))}:${pad(Math.floor(seconds / 60) % 60)}:${pad(seconds % 60)}`;
}

/** Seconds after midnight of a `HH:MM` time of day. */
export function secondsOfTimeOfDay(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return ((hours ?? 0) * 60 + (minutes ?? 0)) * 60;
}

/**
 * Whether a local time (seconds after midnight) lies in a daily span, half-open: from `start`
 * included to `end` excluded, wrapping past midnight when `end` is before `start` (21:00–08:00).
 */
export function inDailySpan(span: DailySpan, seconds: number): boolean {
  const start = secondsOfTimeOfDay(span.start);
  const end = secondsOfTimeOfDay(span.end);
  return start < end ? seconds >= start && seconds < end : seconds >= start || seconds < end;
}
