/**
 * `overture simulate` as a marketer runs it: the shared scenario of the contract gives a report the
 * independent checker accepts, the same report byte for byte on a second run, and a bad scenario
 * is refused with its paths named and exit status 2, before anything runs.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkReport, formatViolation, parseScenarioText, ReportSchema } from '../../lib/scenario';
import { journeys } from '../../workflows';
import { temporaryDataDir, testOutdir } from '../local/support';
import { contractScenarioJson, RUNNABLE_JOURNEY } from '../scenario/fixtures';
import { overture } from '../support/cli';

jest.setTimeout(900_000);

const SHARED_SCENARIO = '../shared/scenarios/revocation-mid-journey.json';

const folder = temporaryDataDir('simulate-command');
const firstReport = path.join(folder, 'first.json');
const secondReport = path.join(folder, 'second.json');
let first: Awaited<ReturnType<typeof overture>>;
let second: Awaited<ReturnType<typeof overture>>;

const cdkOut = testOutdir('simulate-command');

beforeAll(async () => {
  first = await overture('simulate', SHARED_SCENARIO, '--out', firstReport, '--cdk-out', cdkOut);
  second = await overture('simulate', SHARED_SCENARIO, '--out', secondReport, '--cdk-out', cdkOut);
});

describe('overture simulate on the shared scenario', () => {
  it('writes a report that obeys rules 1–8 by the independent checker', () => {
    // Prepare
    const scenario = parseScenarioText(readFileSync(SHARED_SCENARIO, 'utf8'), { knownJourneys: Object.keys(journeys) });

    // Act
    const report = ReportSchema.parse(JSON.parse(readFileSync(firstReport, 'utf8')));

    // Assess
    expect(first.status).toBe(0);
    expect(checkReport(scenario, report).map(formatViolation)).toEqual([]);
    expect(report.messages.length).toBeGreaterThan(0);
  });

  it('sends by SMS, not email, once the email consent is revoked mid-journey', () => {
    // Act
    const report = ReportSchema.parse(JSON.parse(readFileSync(firstReport, 'utf8')));

    // Assess
    const afterRevocation = report.messages.filter((message) => message.customerId === 'c-001' && message.at > '2026-03-05T08:30:00Z');
    expect(afterRevocation.length).toBeGreaterThan(0);
    expect(afterRevocation.every((message) => message.channel !== 'email')).toBe(true);
  });

  it('gives the same report byte for byte when run twice', () => {
    // Assess
    expect(second.status).toBe(0);
    expect(readFileSync(secondReport)).toEqual(readFileSync(firstReport));
  });

  it('reports progress on stderr and the summary, not on stdout', () => {
    // Assess
    expect(first.stdout).toBe('');
    expect(first.stderr).toMatch(/simulate: \d+ messages/);
  });
});

describe('overture simulate with a bad scenario', () => {
  it('exits with status 2, names every offending path, and runs nothing', async () => {
    // Prepare
    const scenario = JSON.parse(readFileSync(SHARED_SCENARIO, 'utf8')) as { customers: Array<{ timezone: string }>; events: Array<{ customerId: string }> };
    const [firstCustomer] = scenario.customers;
    const [firstEvent] = scenario.events;
    if (firstCustomer === undefined || firstEvent === undefined) throw new Error('the shared scenario has no customer or event');
    firstCustomer.timezone = 'Mars/Base';
    firstEvent.customerId = 'nobody';
    const file = path.join(folder, 'bad.json');
    writeFileSync(file, JSON.stringify(scenario));
    const report = path.join(folder, 'bad-report.json');

    // Act
    const result = await overture('simulate', file, '--out', report);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('customers[0].timezone: unknown time zone "Mars/Base"');
    expect(result.stderr).toContain('events[0].customerId: no customer "nobody" in customers');
    expect(existsSync(report)).toBe(false);
  });

  it('exits with status 2 for a file that is not JSON', async () => {
    // Prepare
    const file = path.join(folder, 'not-json.json');
    writeFileSync(file, '{ "start": ');

    // Act
    const result = await overture('simulate', file);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('(root): not valid JSON');
  });

  it.each([
    ['in a folder that does not exist', (): string => path.join(folder, 'no-such-folder', 'report.json'), 'does not exist'],
    ['that is a folder', (): string => folder, 'is a folder'],
  ])('exits with status 2 for a report path %s, before running anything', async (_case, out, problem) => {
    // Act
    const result = await overture('simulate', SHARED_SCENARIO, '--out', out(), '--cdk-out', cdkOut);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`--out ${out()}: `);
    expect(result.stderr).toContain(problem);
    expect(result.stderr).not.toContain('simulate: ');
  });
});

describe('overture simulate with a scenario saved with a byte order mark', () => {
  it('reads it as the same scenario and writes the same report', async () => {
    // Prepare
    const file = path.join(folder, 'with-bom.json');
    writeFileSync(file, `\uFEFF${readFileSync(SHARED_SCENARIO, 'utf8')}`);
    const report = path.join(folder, 'with-bom-report.json');

    // Act
    const result = await overture('simulate', file, '--out', report, '--cdk-out', cdkOut);

    // Assess
    expect(result.status).toBe(0);
    expect(readFileSync(report, 'utf8')).toBe(readFileSync(firstReport, 'utf8'));
  });
});

describe('overture simulate with an event name no journey uses', () => {
  it('warns on stderr where the name is first used, and still runs', async () => {
    // Prepare
    const scenario = JSON.parse(readFileSync(SHARED_SCENARIO, 'utf8')) as { events: Array<{ type: string; name?: string }> };
    const index = scenario.events.findIndex((event) => event.type === 'event');
    const misspelt = scenario.events[index];
    if (misspelt === undefined) throw new Error('the shared scenario has no customer event');
    misspelt.name = 'sign_up_typo';
    const file = path.join(folder, 'misspelt.json');
    writeFileSync(file, JSON.stringify(scenario));

    // Act
    const result = await overture('simulate', file, '--out', path.join(folder, 'misspelt-report.json'), '--cdk-out', cdkOut, '--quiet');

    // Assess
    expect(result.status).toBe(0);
    expect(result.stderr).toContain(`simulate: warning: events[${index}]: no journey uses "sign_up_typo" and it is not a standard event`);
  });

  it('does not warn about the entry event of an inline journey of the scenario', async () => {
    // Prepare: the inline journey starts on "birthday_month"; the scenario plays that event
    const scenario = contractScenarioJson() as { customers: Array<{ id: string }> } & Record<string, unknown>;
    const customerId = scenario.customers[0]?.id ?? 'c-001';
    const journey = { ...RUNNABLE_JOURNEY, id: 'birthday-month', entry: { ...RUNNABLE_JOURNEY.entry, trigger: { kind: 'event', events: ['birthday_month'] } } };
    const file = path.join(folder, 'inline-event.json');
    const events = [{ at: '2026-03-02T10:00:00Z', customerId, type: 'event', name: 'birthday_month', properties: {} }];
    writeFileSync(file, JSON.stringify({ ...scenario, journeys: [journey], events }));

    // Act: an --out in a missing folder stops the command right after the warnings, before any run
    const result = await overture('simulate', file, '--out', path.join(folder, 'missing', 'report.json'));

    // Assess
    expect(result.stderr).toContain('--out');
    expect(result.stderr).not.toContain('no journey uses "birthday_month"');
  });
});
