/**
 * Dates print the same whatever the host's time zone. The local stack and the simulator run on
 * developers' machines, and jest cannot change the zone of its own process, so these tests render
 * in child processes with TZ set (see ./support/render-dates.ts).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { sampleData } from './fixtures';
import type { DateCase, DateCases } from './support/render-dates';

const SCRIPT = path.join(__dirname, 'support/render-dates.ts');

/** The texts `cases` render to in a process whose host time zone is `hostZone`. */
function renderOnHost(hostZone: string, cases: readonly DateCase[], engine: DateCases['engine'] = 'overture'): string[] {
  const input: DateCases = { engine, cases };
  const child = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: { ...process.env, TZ: hostZone },
    input: JSON.stringify(input),
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`render-dates failed on a host in ${hostZone}: ${child.stderr}`);
  return JSON.parse(child.stdout) as string[];
}

/** Every strftime code liquid knows but `%c`, `%x` and `%X` (which liquidjs prints in the host's locale), with flags and widths. */
const EVERY_CODE =
  '%a %A %b %B %C %d %e %H %I %j %k %l %L %m %M %N %p %P %q %s %S %u %U %w %W %y %Y %z %Z %h %% ' +
  '%-d %_m %0e %^a %#B %#p %:z %3N %12N %-I %10Y %-H|%t|%n|%Q';

/** Instants every 40 minutes across the 2026 clock changes of Los Angeles, New York, London and Lord Howe Island. */
function instantsAroundClockChanges(): string[] {
  const changes = ['2026-03-08T10:00:00Z', '2026-03-08T07:00:00Z', '2026-03-29T01:00:00Z', '2026-04-04T15:00:00Z', '2026-11-01T09:00:00Z', '2026-10-25T01:00:00Z'];
  const instants: string[] = [];
  for (const change of changes) {
    for (let minutes = -200; minutes <= 200; minutes += 40) instants.push(new Date(Date.parse(change) + minutes * 60_000).toISOString());
  }
  return instants;
}

describe('dates on a host outside UTC', () => {
  it("prints an instant near a clock change in the customer's zone, not shifted by the host's", () => {
    // Prepare: 06:30Z is 01:30 EST in New York, half an hour before its clocks go forward; Los
    // Angeles, the host, goes forward at 10:00Z.
    const cases = [
      { sms: 'Ends {{ customer.attributes.endsAt | date: "%H:%M %z" }}', data: sampleData({ timezone: 'America/New_York', attributes: { endsAt: '2026-03-08T06:30:00Z' } }) },
      { sms: 'Doors {{ customer.attributes.doorsOpen | date: "%H:%M %z" }}', data: sampleData({ timezone: 'America/New_York', attributes: { doorsOpen: '2026-03-08T02:30' } }) },
    ];
    // Act
    const texts = renderOnHost('America/Los_Angeles', cases);
    // Assess
    expect(texts).toEqual(['Ends 01:30 -0500', 'Doors 02:30 +0000']);
  });

  it('prints every format code, for every zone and instant around clock changes, as liquid does on a UTC host', () => {
    // Prepare
    const zones = ['America/New_York', 'America/Los_Angeles', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata', 'UTC'];
    const cases: DateCase[] = zones.flatMap((timezone) =>
      instantsAroundClockChanges().map((endsAt) => ({
        sms: `{{ customer.attributes.endsAt | date: "${EVERY_CODE}" }} {{ customer.attributes.endsAt | date_to_xmlschema }}`,
        data: sampleData({ timezone, attributes: { endsAt } }),
      })),
    );
    // Act
    const reference = renderOnHost('UTC', cases, 'liquidjs');
    const hosts = ['UTC', 'America/Los_Angeles', 'Australia/Lord_Howe', 'Europe/Berlin'].map((hostZone) => renderOnHost(hostZone, cases));
    // Assess
    for (const texts of hosts) expect(texts).toEqual(reference);
  });

  it('prints locale-formatted dates and the other date filters the same on every host', () => {
    // Prepare
    const sms =
      '{{ customer.attributes.endsAt | date: "%c|%x|%X" }} {{ customer.attributes.endsAt | date_to_rfc822 }} ' +
      '{{ customer.attributes.endsAt | date_to_string }} {{ customer.attributes.endsAt | date_to_long_string: "ordinal", "US" }} ' +
      '{{ customer.attributes.endsAt | date: "%H:%M %Z", -330 }} {{ customer.attributes.endsAt | date: "%H:%M %Z", "Europe/Paris" }}';
    const cases = instantsAroundClockChanges().map((endsAt) => ({ sms, data: sampleData({ timezone: 'America/New_York', attributes: { endsAt } }) }));
    // Act
    const [utc, ...others] = ['UTC', 'America/Los_Angeles', 'Australia/Lord_Howe'].map((hostZone) => renderOnHost(hostZone, cases));
    // Assess
    expect(utc?.[0]).toBe('3/8/2026, 1:40:00 AM|3/8/2026|1:40:00 AM Sun, 08 Mar 2026 01:40:00 -0500 08 Mar 2026 March 8th, 2026 12:10 +0530 07:40 Europe/Paris');
    for (const texts of others) expect(texts).toEqual(utc);
  });
});
