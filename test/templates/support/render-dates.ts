/**
 * Renders date templates in a process of its own, for tests that need the host in another time
 * zone (jest cannot change the zone of its own process): `TZ=America/Los_Angeles tsx
 * render-dates.ts < cases.json` prints the rendered texts as JSON, in the order of the cases.
 *
 * With `"engine": "liquidjs"` it renders with liquidjs's own date filters instead of Overture's,
 * as a reference to compare with on a UTC host, where liquidjs's are right.
 */
import { readFileSync } from 'node:fs';
import { Liquid } from 'liquidjs';
import { compileTemplate, renderSms, type PersonalizationData } from '../../../lib/templates';

/** One text to render: an SMS template and the data to render it with. */
export interface DateCase {
  readonly sms: string;
  readonly data: PersonalizationData;
}

/** What the script reads on standard input. */
export interface DateCases {
  readonly engine: 'overture' | 'liquidjs';
  readonly cases: readonly DateCase[];
}

function render(engine: DateCases['engine'], { sms, data }: DateCase): string {
  if (engine === 'overture') return renderSms(compileTemplate('dates', { sms }), data);
  const reference = new Liquid({ locale: 'en-US', timezoneOffset: data.customer.timezone ?? 'UTC' });
  return String(reference.parseAndRenderSync(sms, data)).trim();
}

const { engine, cases } = JSON.parse(readFileSync(0, 'utf8')) as DateCases;
process.stdout.write(JSON.stringify(cases.map((dateCase) => render(engine, dateCase))));
