/**
 * liquid's date filters — `date`, `date_to_xmlschema`, `date_to_rfc822`, `date_to_string`,
 * `date_to_long_string` — printing from the time zone's own clock (see `./zoned-strftime`), so a
 * date prints the same on a developer's laptop as on Lambda. liquidjs's own read the host's.
 */
import { toValue, type FilterImplOptions, type Liquid } from 'liquidjs';
import { formatInZone } from './zoned-strftime';

/** A filter's function, as liquidjs calls it: `this` holds the render's context. */
type FilterHandler = Extract<FilterImplOptions, (...args: never[]) => unknown>;

/** A calendar date, or a local date and time without an offset: a time of no particular zone. */
const WALL_CLOCK_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?)?$/;

/** A value the `date` filter prints: an instant, and whether it is a wall-clock time read as UTC. */
interface DateInput {
  readonly epochMilliseconds: number;
  readonly asWritten: boolean;
}

/**
 * The instant `value` names, read as liquid reads a date: `now` and `today`, seconds since the
 * epoch (a number or digits), a {@link WALL_CLOCK_TIME} (read as UTC, to print as written), or
 * any other text JavaScript reads as a date. Undefined for anything else, which the filter prints
 * as it is. (Text in another form without an offset, `March 1, 2026 18:30`, JavaScript still reads
 * in the host's zone; attributes hold ISO 8601.)
 */
function dateInput(value: unknown): DateInput | undefined {
  let epochMilliseconds: number;
  let asWritten = false;
  if (value === 'now' || value === 'today') epochMilliseconds = Date.now();
  else if (typeof value === 'number') epochMilliseconds = value * 1000;
  else if (typeof value !== 'string') return undefined;
  else if (/^\d+$/.test(value)) epochMilliseconds = Number(value) * 1000;
  else if (WALL_CLOCK_TIME.test(value)) {
    // JavaScript reads `2026-03-01` as UTC but `2026-03-01T18:30` in the host's zone: both as UTC.
    epochMilliseconds = Date.parse(value.includes('T') ? `${value}Z` : value);
    asWritten = true;
  } else epochMilliseconds = Date.parse(value);
  return Number.isNaN(epochMilliseconds) ? undefined : { epochMilliseconds, asWritten };
}

/** A zone as liquid's `date` takes it: a name, or minutes west of UTC (JavaScript's sign). */
function zoneOf(timeZone: unknown): { readonly timeZone: string; readonly zoneName: string } {
  if (typeof timeZone === 'string') return { timeZone, zoneName: timeZone };
  if (typeof timeZone !== 'number') return { timeZone: 'UTC', zoneName: 'UTC' };
  const minutes = Math.abs(timeZone);
  const hhmm = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return { timeZone: `${timeZone > 0 ? '-' : '+'}${hhmm}`, zoneName: '' };
}

/**
 * `date`, printed from the zone's own clock whatever the host's zone (see `./zoned-strftime`). An
 * instant prints in the zone the template names as the filter's second argument, else in the
 * render's (the customer's). A {@link WALL_CLOCK_TIME} prints as written (with offset `+0000`).
 */
function dateInZone(this: ThisParameterType<FilterHandler>, value: unknown, format?: unknown, timeZone?: unknown): unknown {
  const input = dateInput(toValue(value));
  if (input === undefined) return value;
  const formatValue = toValue(format);
  const pattern = formatValue === undefined || formatValue === null ? this.context.opts.dateFormat : String(formatValue);
  const memory = this.context.memoryLimit;
  memory.use(pattern.length);
  const zone = input.asWritten ? { timeZone: 'UTC', zoneName: '' } : zoneOf(timeZone ?? this.context.opts.timezoneOffset);
  return formatInZone(input.epochMilliseconds, pattern, {
    ...zone,
    locale: this.context.opts.locale,
    useMemory: (characters) => memory.use(characters),
  });
}

/**
 * Registers `date` and liquid's other date filters, each `date` with a fixed format, so that all
 * print from the zone's clock; liquidjs's own would read the host's.
 */
export function registerDateFilters(engine: Liquid): void {
  engine.registerFilter('date', dateInZone);
  const withFormat = (format: string) =>
    function dateWithFormat(this: ThisParameterType<FilterHandler>, value: unknown): unknown {
      return dateInZone.call(this, value, format);
    };
  engine.registerFilter('date_to_xmlschema', withFormat('%Y-%m-%dT%H:%M:%S%:z'));
  engine.registerFilter('date_to_rfc822', withFormat('%a, %d %b %Y %H:%M:%S %z'));
  for (const [name, month] of [['date_to_string', '%b'], ['date_to_long_string', '%B']] as const) {
    engine.registerFilter(name, function dateToString(value: unknown, type?: unknown, style?: unknown) {
      const format = type !== 'ordinal' ? `%d ${month} %Y` : style === 'US' ? `${month} %-d%q, %Y` : `%-d%q ${month} %Y`;
      return dateInZone.call(this, value, format);
    });
  }
}
