/**
 * liquid's `date` formats (strftime, as liquidjs 10 reads them), printed from a time zone's clock,
 * never the host's.
 *
 * Why not liquidjs's own: its date shifts the instant by the zone's offset and reads the result with
 * the host's local getters, and it finds a named zone's offset by parsing two locale strings in the
 * host's zone. Where the host's clocks change, both go an hour off: on a laptop in Los Angeles, an
 * offer ending 2026-03-08T06:30Z printed `03:30 -0400` to a customer in New York instead of
 * `01:30 -0500`. Its strftime is not exported, so this module ports its table — the same codes,
 * flags (`-` `_` `0` `^` `#` `:`), widths and padding — and reads every field from a `TZDate`
 * (@date-fns/tz), whose getters and locale strings are the zone's wherever the code runs.
 */
import { TZDate } from '@date-fns/tz';

/** Where and how to print. */
export interface ZonedFormatOptions {
  /** An IANA name (`America/New_York`) or a UTC offset (`+05:30`). */
  readonly timeZone: string;
  /** What `%Z` prints; empty to print the offset, as `%z` does. */
  readonly zoneName: string;
  /** Locale of month and weekday names and of `%c`, `%x` and `%X`. */
  readonly locale: string;
  /** Charged with the characters padding adds, as liquid charges its own (throws past the render's limit). */
  readonly useMemory: (characters: number) => void;
}

interface Clock {
  readonly date: TZDate;
  readonly options: ZonedFormatOptions;
}

interface Conversion {
  readonly flags: ReadonlySet<string>;
  readonly width: string | undefined;
}

type FormatCode = (clock: Clock, conversion: Conversion) => string | number;

/** `%` then flags, a width, a modifier (read and ignored, as liquid does) and the code. */
const FORMAT_PATTERN = /%([-_0^#:]+)?(\d+)?([EO])?(.)/;
const PAD_WIDTHS: Readonly<Record<string, number>> = { C: 2, d: 2, e: 2, H: 2, I: 2, j: 3, k: 2, l: 2, L: 3, m: 2, M: 2, S: 2, U: 2, W: 2, y: 2, Y: 4 };
const PAD_WITH_SPACES: ReadonlySet<string> = new Set('aAbBceklpP');

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

function dayOfYear(date: TZDate): number {
  const daysInMonths = [31, isLeapYear(date.getFullYear()) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return daysInMonths.slice(0, date.getMonth()).reduce((sum, days) => sum + days, 0) + date.getDate();
}

/** Week of the year, weeks starting on `startDay` (0 Sunday, 1 Monday); days before the first are week 0. */
function weekOfYear(date: TZDate, startDay: number): string {
  const daysSinceStartDay = (date.getDay() - startDay + 7) % 7;
  return String(Math.floor((dayOfYear(date) - 1 - daysSinceStartDay + 7) / 7));
}

function ordinalSuffix(day: number): string {
  if (day >= 11 && day <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][day % 10] ?? 'th';
}

function offset(date: TZDate, conversion: Conversion): string {
  // Date's sign: minutes to add to reach UTC, so west of UTC is positive.
  const minutesWest = date.getTimezoneOffset();
  const absolute = Math.abs(minutesWest);
  const separator = conversion.flags.has(':') ? ':' : '';
  return `${minutesWest > 0 ? '-' : '+'}${String(Math.floor(absolute / 60)).padStart(2, '0')}${separator}${String(absolute % 60).padStart(2, '0')}`;
}

function hour12(date: TZDate): string {
  return String(date.getHours() % 12 || 12);
}

const FORMAT_CODES: Readonly<Record<string, FormatCode>> = {
  a: ({ date, options }) => date.toLocaleDateString(options.locale, { weekday: 'short' }),
  A: ({ date, options }) => date.toLocaleDateString(options.locale, { weekday: 'long' }),
  b: ({ date, options }) => date.toLocaleDateString(options.locale, { month: 'short' }),
  B: ({ date, options }) => date.toLocaleDateString(options.locale, { month: 'long' }),
  c: ({ date, options }) => date.toLocaleString(options.locale),
  C: ({ date }) => Math.floor(date.getFullYear() / 100),
  d: ({ date }) => date.getDate(),
  e: ({ date }) => date.getDate(),
  H: ({ date }) => date.getHours(),
  I: ({ date }) => hour12(date),
  j: ({ date }) => dayOfYear(date),
  k: ({ date }) => date.getHours(),
  l: ({ date }) => hour12(date),
  L: ({ date }) => date.getMilliseconds(),
  m: ({ date }) => date.getMonth() + 1,
  M: ({ date }) => date.getMinutes(),
  N: ({ date, options }, { width }) => {
    const digits = Number(width) || 9;
    const fraction = String(date.getMilliseconds()).padStart(3, '0').slice(0, digits);
    options.useMemory(digits - fraction.length);
    return fraction.padEnd(digits, '0');
  },
  p: ({ date }) => (date.getHours() < 12 ? 'AM' : 'PM'),
  P: ({ date }) => (date.getHours() < 12 ? 'am' : 'pm'),
  q: ({ date }) => ordinalSuffix(date.getDate()),
  s: ({ date }) => Math.floor(date.getTime() / 1000),
  S: ({ date }) => date.getSeconds(),
  u: ({ date }) => date.getDay() || 7,
  U: ({ date }) => weekOfYear(date, 0),
  w: ({ date }) => date.getDay(),
  W: ({ date }) => weekOfYear(date, 1),
  x: ({ date, options }) => date.toLocaleDateString(options.locale),
  X: ({ date, options }) => date.toLocaleTimeString(options.locale),
  y: ({ date }) => ((date.getFullYear() % 100) + 100) % 100,
  Y: ({ date }) => date.getFullYear(),
  z: ({ date }, conversion) => offset(date, conversion),
  Z: ({ date, options }, conversion) => options.zoneName || offset(date, conversion),
  t: () => '\t',
  n: () => '\n',
  '%': () => '%',
  h: ({ date, options }) => date.toLocaleDateString(options.locale, { month: 'short' }),
};

/** Upper-cases text that has a lower-case letter, else lower-cases it: liquid's `#` flag. */
function changeCase(text: string): string {
  return /[a-z]/.test(text) ? text.toUpperCase() : text.toLowerCase();
}

function convert(clock: Clock, match: RegExpExecArray): string {
  const [input, flagText = '', width, , code = ''] = match;
  const formatCode = FORMAT_CODES[code];
  if (formatCode === undefined) return input;
  const conversion: Conversion = { flags: new Set(flagText), width };
  let text = String(formatCode(clock, conversion));
  let padding = PAD_WITH_SPACES.has(code) ? ' ' : '0';
  let padWidth = Number(width) || PAD_WIDTHS[code] || 0;
  if (conversion.flags.has('^')) text = text.toUpperCase();
  else if (conversion.flags.has('#')) text = changeCase(text);
  if (conversion.flags.has('_')) padding = ' ';
  else if (conversion.flags.has('0')) padding = '0';
  if (conversion.flags.has('-')) padWidth = 0;
  clock.options.useMemory(padWidth - text.length);
  if (padding === '0' && text.startsWith('-')) return `-${text.slice(1).padStart(padWidth - 1, padding)}`;
  return text.padStart(padWidth, padding);
}

/**
 * `format` (liquid's strftime) for the instant `epochMilliseconds`, as the clock of
 * `options.timeZone` shows it.
 *
 * @throws RangeError when the time zone is unknown.
 */
export function formatInZone(epochMilliseconds: number, format: string, options: ZonedFormatOptions): string {
  const date = new TZDate(epochMilliseconds, options.timeZone);
  // TZDate reads an unknown zone as NaN rather than throwing.
  if (Number.isNaN(date.getTimezoneOffset())) throw new RangeError(`unknown time zone "${options.timeZone}"`);
  const clock: Clock = { date, options };
  let output = '';
  let remaining = format;
  let match: RegExpExecArray | null;
  while ((match = FORMAT_PATTERN.exec(remaining)) !== null) {
    output += remaining.slice(0, match.index);
    remaining = remaining.slice(match.index + match[0].length);
    output += convert(clock, match);
  }
  return output + remaining;
}
