/**
 * EventBridge Scheduler's `cron(…)` and `rate(…)` expressions, checked as Scheduler checks them, so
 * that an expression it would refuse fails validation at synth, naming the form it takes, rather
 * than the deployment ("Invalid Schedule Expression"). aws-cdk-lib checks only the cron it builds
 * from fields (`ScheduleExpression.cron`), not a written one, and this module is also loaded where
 * executions start (the journey routes), so it stays small.
 *
 * - `cron(minutes hours day-of-month month day-of-week year)`: exactly six fields; one of
 *   day-of-month and day-of-week is `?` and the other is not; each field a list (`,`) of `*`,
 *   values and ranges (`-`), optionally stepped (`/n`), within the field's bounds; months also
 *   `JAN`–`DEC`, days of week `1`–`7` from Sunday or `SUN`–`SAT`; `L` and `W` in day-of-month, `L`
 *   and `#` in day-of-week.
 * - `rate(value unit)`: a positive whole `value`; `unit` `minute`, `hour` or `day` when the value is
 *   1, else `minutes`, `hours` or `days`.
 */

/** A cron field: its name and bounds, and the names its values may take (index + `offset`). */
interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly offset?: number;
}

const MINUTES: CronField = { name: 'minutes', min: 0, max: 59 };
const HOURS: CronField = { name: 'hours', min: 0, max: 23 };
const DAY_OF_MONTH: CronField = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: CronField = { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'], offset: 1 };
const DAY_OF_WEEK: CronField = { name: 'day-of-week', min: 1, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], offset: 1 };
const YEAR: CronField = { name: 'year', min: 1970, max: 2199 };
const CRON_FIELDS = [MINUTES, HOURS, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR] as const;

const CRON_FORM = 'cron(minutes hours day-of-month month day-of-week year)';
const RATE_UNITS = ['minute', 'hour', 'day'] as const;

/**
 * What EventBridge Scheduler would refuse in `expression`, with the form it takes; undefined when
 * it is a valid `cron(…)` or, unless `kinds` leaves it out, `rate(…)` expression.
 */
export function scheduleExpressionProblem(expression: string, kinds: readonly ('cron' | 'rate')[] = ['cron', 'rate']): string | undefined {
  const match = /^(cron|rate)\((.*)\)$/.exec(expression);
  const kind = match?.[1] as 'cron' | 'rate' | undefined;
  if (match === null || kind === undefined || !kinds.includes(kind)) {
    return `must be an EventBridge Scheduler ${kinds.map((allowed) => (allowed === 'cron' ? CRON_FORM : 'rate(value unit)')).join(' or ')} expression`;
  }
  const body = match[2] ?? '';
  return kind === 'cron' ? cronProblem(expression, body) : rateProblem(expression, body);
}

function cronProblem(expression: string, body: string): string | undefined {
  const fields = body.trim().split(/\s+/);
  if (fields.length === 5) {
    return `${expression} has the 5 fields of a Unix cron; EventBridge Scheduler takes 6, ${CRON_FORM}, with ? in day-of-month or day-of-week and days of week 1-7 from Sunday (or SUN-SAT), e.g. ${unixCronAsScheduler(fields)}`;
  }
  if (fields.length !== 6) return `${expression} has ${fields.length} fields; EventBridge Scheduler takes 6: ${CRON_FORM}`;
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if (dayOfMonth !== '?' && dayOfWeek !== '?') {
    const fixed = [...fields];
    fixed[dayOfWeek === '*' ? 4 : 2] = '?';
    return `${expression} gives both day-of-month and day-of-week; one of them must be ?, e.g. cron(${fixed.join(' ')})`;
  }
  if (dayOfMonth === '?' && dayOfWeek === '?') {
    return `${expression} gives ? for both day-of-month and day-of-week; only one of them may be ?, e.g. cron(${fields.map((field, index) => (index === 2 ? '*' : field)).join(' ')})`;
  }
  for (const [index, field] of CRON_FIELDS.entries()) {
    const problem = cronFieldProblem(field, fields[index] ?? '');
    if (problem !== undefined) return `${expression}: ${problem}; EventBridge Scheduler takes ${CRON_FORM}`;
  }
  return undefined;
}

/** The 6-field form of a 5-field Unix cron, as far as it carries over (`?` where a day is `*`). */
function unixCronAsScheduler(fields: readonly string[]): string {
  const [minutes, hours, dayOfMonth, month, dayOfWeek] = fields;
  const [days, weekdays] = dayOfWeek !== '*' && (dayOfMonth === '*' || dayOfMonth === '?') ? ['?', dayOfWeek] : [dayOfMonth, '?'];
  return `cron(${[minutes, hours, days, month, weekdays].join(' ')} *)`;
}

function cronFieldProblem(field: CronField, text: string): string | undefined {
  if (text === '?' && (field === DAY_OF_MONTH || field === DAY_OF_WEEK)) return undefined;
  for (const item of text.split(',')) {
    if (!cronItemValid(field, item)) return `${field.name} "${text}" is not ${fieldForm(field)}`;
  }
  return undefined;
}

function fieldForm(field: CronField): string {
  const names = field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : '';
  const special = field === DAY_OF_MONTH ? ', L, LW or nW' : field === DAY_OF_WEEK ? ', nL or n#k' : '';
  return `*, values ${field.min}-${field.max}${names}, ranges a-b and steps /n, separated by commas${special}`;
}

function cronItemValid(field: CronField, item: string): boolean {
  if (field === DAY_OF_MONTH) {
    if (item === 'L' || item === 'LW') return true;
    const weekday = /^(\d{1,2})W$/.exec(item);
    if (weekday !== null) return inBounds(field, weekday[1] ?? '');
  }
  if (field === DAY_OF_WEEK) {
    const special = /^(\w+)(L|#[1-5])$/.exec(item);
    if (item === 'L') return true;
    if (special !== null) return inBounds(field, special[1] ?? '');
  }
  const [range = '', step, ...rest] = item.split('/');
  if (rest.length > 0 || (step !== undefined && !/^[1-9]\d*$/.test(step))) return false;
  if (range === '*') return true;
  const ends = range.split('-');
  if (ends.length > 2 || !ends.every((end) => inBounds(field, end))) return false;
  return ends.length === 1 || valueOf(field, ends[0] ?? '') <= valueOf(field, ends[1] ?? '');
}

function inBounds(field: CronField, text: string): boolean {
  const value = valueOf(field, text);
  return value >= field.min && value <= field.max;
}

/** The number `text` stands for in `field` (a name's position), or NaN. */
function valueOf(field: CronField, text: string): number {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (field.offset ?? 0);
  return /^\d+$/.test(text) ? Number(text) : Number.NaN;
}

function rateProblem(expression: string, body: string): string | undefined {
  const match = /^(\S+) (\S+)$/.exec(body.trim());
  const form = 'rate(value unit): a positive whole value, and unit minute, hour or day for 1, minutes, hours or days above';
  if (match === null) return `${expression} is not ${form}`;
  const [, valueText = '', unitText = ''] = match;
  if (!/^[1-9]\d*$/.test(valueText)) return `${expression}: the value must be a positive whole number; EventBridge Scheduler takes ${form}`;
  const value = Number(valueText);
  const singular = unitText.replace(/s$/, '');
  if (singular === 'week') return `${expression}: EventBridge Scheduler has no week unit; write rate(${value * 7} days), or a cron(…) for a day of the week`;
  if (!(RATE_UNITS as readonly string[]).includes(singular)) return `${expression}: unit "${unitText}" is not minute(s), hour(s) or day(s); EventBridge Scheduler takes ${form}`;
  const unit = value === 1 ? singular : `${singular}s`;
  if (unit !== unitText) return `${expression}: write rate(${value} ${unit}), the unit ${value === 1 ? 'singular for 1' : 'plural above 1'}`;
  return undefined;
}
