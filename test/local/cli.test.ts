/**
 * The `overture` commands that work on a local stack's data folder, run in this process the way a
 * person runs them when no stack is up: events and launches start the runtime on the folder for
 * the command, status, why and results read it. Bad input exits with status 2 naming what to fix.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { DATA_FILES } from '../../lib/local/data-files';
import { readMailboxFile } from '../../lib/local/mailbox';
import { LaunchReportSchema } from '../../lib/local/launcher';
import { readExecutionRegistry, type ExecutionRecord } from '../../lib/local/step-functions';
import { stoppedStackDataDir, testOutdir } from './support';
import { overture } from '../support/cli';

jest.setTimeout(900_000);

const cdkOut = testOutdir('cli');
let data: string;

beforeAll(async () => {
  data = await stoppedStackDataDir('cli', { outdir: cdkOut, start: new Date('2026-03-02T15:00:00Z') });
});

function file(name: string, content: string): string {
  const target = path.join(data, '..', `${path.basename(data)}-${name}`);
  writeFileSync(target, content);
  return target;
}

describe('overture schema', () => {
  it('prints the JSON Schema of scenario and report files', async () => {
    // Act
    const scenario = await overture('schema', 'scenario');
    const report = await overture('schema', 'report');

    // Assess
    expect(scenario.status).toBe(0);
    expect(JSON.parse(scenario.stdout)).toMatchObject({ title: 'Overture simulation scenario', type: 'object' });
    expect(JSON.parse(report.stdout)).toMatchObject({ title: 'Overture simulation report' });
  });

  it('exits with status 2 for an unknown schema', async () => {
    // Act
    const result = await overture('schema', 'journey');

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown schema "journey"');
  });
});

describe('overture launch with a bad audience file', () => {
  it('exits with status 2 naming the line and column of every bad row, and launches nothing', async () => {
    // Prepare
    const audience = file('bad.csv', 'customerId,entryKey\nc-1,spring\nnot an id!,x\nc-1,\n');

    // Act
    const result = await overture('launch', 'loyalty', '--audience', audience, '--data', data, '--cdk-out', cdkOut);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('line 3, column customerId: must be 1–64 letters');
    expect(result.stderr).toContain('line 4, column customerId: repeats line 2');
    expect(result.stderr).toContain('nothing was launched');
  });

  it('exits with status 2 for an empty file, saying it is empty', async () => {
    // Prepare
    const audience = file('empty.csv', '');

    // Act
    const result = await overture('launch', 'loyalty', '--audience', audience, '--data', data, '--cdk-out', cdkOut);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('the audience file is empty, nothing was launched');
    expect(result.stderr).not.toContain('must name a customerId column');
  });

  it('exits with status 2 for a journey that is not in the catalog', async () => {
    // Prepare
    const audience = file('ok.csv', 'customerId\nc-1\n');

    // Act
    const result = await overture('launch', 'spring-sale', '--audience', audience, '--data', data);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown journey "spring-sale"');
  });
});

describe('overture send-event, launch, status, why and results on a stopped stack', () => {
  const at = '2026-03-02T15:00:00Z';
  let sent: Awaited<ReturnType<typeof overture>>;

  /** Gives the customer a profile, and `attributes` if any, through an event that enters no journey. */
  async function givenProfile(customerId: string, attributes?: Record<string, string>): Promise<void> {
    const withAttributes = attributes === undefined ? [] : ['--attributes', JSON.stringify(attributes)];
    const result = await overture('send-event', 'profile_changed', '--customer', customerId, '--profile', '{"timezone":"UTC"}', ...withAttributes, '--data', data, '--cdk-out', cdkOut, '--json');
    expect(JSON.parse(result.stdout)).toMatchObject({ outcome: { journeys: [] } });
  }

  function launch(journey: string, audience: string, ...more: string[]) {
    return overture('launch', journey, '--audience', audience, '--data', data, '--cdk-out', cdkOut, ...more);
  }

  /** The journey executions in the registry (the launcher's own left out), in order of first start. */
  async function journeyExecutions(): Promise<ExecutionRecord[]> {
    const records = await readExecutionRegistry(path.join(data, DATA_FILES.executions));
    return records.filter((record) => !record.stateMachineArn.includes(':stateMachine:AudienceLauncher'));
  }

  async function executionNames(): Promise<string[]> {
    return (await journeyExecutions()).map((record) => record.name);
  }

  beforeAll(async () => {
    sent = await overture(
      'send-event',
      'signed_up',
      '--customer',
      'c-1',
      '--at',
      at,
      '--event-id',
      'signup-c-1',
      '--profile',
      '{"timezone":"Europe/London","email":"c-1@example.com"}',
      '--consents',
      '[{"channel":"email","topic":"marketing","status":"granted","proof":{"source":"cli-test"}}]',
      '--data',
      data,
      '--cdk-out',
      cdkOut,
      '--json',
    );
  });

  it('ingests the event and starts the journey it enters, named after the event id', () => {
    // Assess
    expect(sent.status).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({
      outcome: { profile: 'created', consentsRecorded: 1, journeys: [{ journey: 'welcome', execution: 'welcome-c-1-signup-c-1', outcome: 'started' }] },
    });
  });

  it('keeps the email it sent in the data folder\'s mailbox, and keeps it through the next command', async () => {
    // Prepare
    const mailbox = path.join(data, DATA_FILES.mailbox);
    const recipients = async (): Promise<string[]> => (await readMailboxFile(mailbox)).flatMap((email) => email.destination.to);
    const savedAfterSend = await recipients();

    // Act: a command that sends no email starts the emulator's mailbox empty, puts the folder's back and keeps it.
    await givenProfile('c-mailbox-quiet');

    // Assess
    expect(savedAfterSend).toEqual(['c-1@example.com']);
    expect(await recipients()).toEqual(['c-1@example.com']);
  });

  it('shows the execution under its journey in status', async () => {
    // Act
    const result = await overture('status', '--data', data, '--json');

    // Assess
    expect(result.status).toBe(0);
    const status = z.object({ journeys: z.array(z.object({ journey: z.string(), byStatus: z.record(z.string(), z.number()) })) }).parse(JSON.parse(result.stdout));
    expect(status.journeys).toContainEqual(expect.objectContaining({ journey: 'welcome', byStatus: { RUNNING: 1 } }));
  });

  it('tells why: the welcome email was sent as the event was ingested', async () => {
    // Act
    const result = await overture('why', 'c-1', '--data', data);

    // Assess
    expect(result.status).toBe(0);
    // The command ran a millisecond past the folder's saved clock, the event's time.
    expect(result.stdout).toContain(`${new Date(Date.parse(at) + 1).toISOString()}  welcome/welcome-email  sent by email, topic marketing  [welcome-c-1-signup-c-1]`);
    // The journey's own step, recorded by journeyEffects, is in the history too.
    expect(result.stdout).toMatch(/\n\S+ {2}welcome\/new-customer {2}stage set to new_customer {2}\[welcome-c-1-signup-c-1\]\n/);
  });

  it('shows what welcome did, step by step, from the data folder', async () => {
    // Act
    const result = await overture('results', 'welcome', '--data', data);
    const unknown = await overture('results', 'welcom', '--data', data);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('executions: 1 (1 running)');
    expect(result.stdout).toMatch(/welcome-email +reached 1 · sent 1 \(email 1\) · skipped 0\n/);
    expect(result.stdout).toMatch(/tips-email +reached 0 · sent 0 · skipped 0\n/);
    expect(unknown).toMatchObject({ status: 2, stderr: expect.stringContaining('unknown journey "welcom"; the catalog has active-cross-sell, loyalty, prospect-nurture, welcome, win-back') });
  });

  it('launches an audience once: the same ids saved with CRLF, a BOM, quotes or in another order start nothing again', async () => {
    // Prepare: both of the gold tier loyalty's entry condition admits.
    await givenProfile('c-1', { tier: 'gold' });
    await givenProfile('c-loyal-2', { tier: 'gold' });
    const audience = file('loyal.csv', 'customerId\nc-1\nc-loyal-2\n');
    const savedOtherwise = [
      file('loyal-crlf.csv', 'customerId\r\nc-1\r\nc-loyal-2\r\n'),
      file('loyal-bom.csv', '\uFEFFcustomerId\nc-1\nc-loyal-2\n'),
      file('loyal-quoted.csv', '"customerId"\n"c-1"\n"c-loyal-2"\n'),
      file('loyal-reordered.csv', 'customerId\nc-loyal-2\nc-1\n'),
    ];

    // Act
    const first = await launch('loyalty', audience, '--json');
    const again = [];
    for (const copy of savedOtherwise) again.push(await launch('loyalty', copy, '--json'));

    // Assess
    const launched = LaunchReportSchema.parse(JSON.parse(first.stdout));
    expect(launched).toMatchObject({ outcome: 'launched', customers: 2, started: 2 });
    for (const run of again) {
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ outcome: 'already_launched', launch: launched.launch, status: 'SUCCEEDED' });
    }
    const loyaltyStarts = (await executionNames()).filter((name) => name.startsWith('loyalty-'));
    expect(loyaltyStarts).toEqual([`loyalty-c-1-${launched.launch}`, `loyalty-c-loyal-2-${launched.launch}`]);
  });

  it('exits 1 for a launch that failed before under the same id, naming how to carry it on, and starts nothing', async () => {
    // Prepare: a launch, then its launcher execution recorded as failed (as the registry keeps one whose Map failed).
    await givenProfile('c-failed-launch');
    const audience = file('failed.csv', 'customerId\nc-failed-launch\n');
    expect((await launch('loyalty', audience, '--id', 'failed-once')).status).toBe(0);
    const registry = path.join(data, DATA_FILES.executions);
    const launcher = (await readExecutionRegistry(registry)).find((record) => record.name === 'failed-once');
    expect(launcher).toBeDefined();
    appendFileSync(registry, `${JSON.stringify({ ...launcher, status: 'FAILED', error: 'States.ItemReaderFailed' })}\n`);
    const before = await executionNames();

    // Act
    const again = await launch('loyalty', audience, '--id', 'failed-once', '--json');

    // Assess
    expect(again.status).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'already_launched', launch: 'failed-once', status: 'FAILED' });
    expect(again.stderr).toContain('overture: launch failed-once ended FAILED and was not run again; once the cause is fixed, overture redrive failed-once carries it on');
    expect(await executionNames()).toEqual(before);
  });

  it('refuses a launch id used before for another journey or another audience (status 2), launching nothing, and answers the same one again', async () => {
    // Prepare: spring launched loyalty to c-spring-1.
    await givenProfile('c-spring-1');
    await givenProfile('c-spring-2');
    const first = file('spring.csv', 'customerId\nc-spring-1\n');
    const other = file('spring-other.csv', 'customerId\nc-spring-2\n');
    expect((await launch('loyalty', first, '--id', 'spring')).status).toBe(0);
    const before = await executionNames();

    // Act
    const otherJourney = await launch('welcome', first, '--id', 'spring', '--json');
    const otherAudience = await launch('loyalty', other, '--id', 'spring', '--json');
    const same = await launch('loyalty', file('spring-again.csv', 'customerId\r\n"c-spring-1"\r\n'), '--id', 'spring', '--json');

    // Assess
    const refusal = /^overture: launch id spring was used at \S+ to launch loyalty(?<audience> with another audience)?; nothing was launched: a launch id names one launch, of one journey and one audience, so choose another --id/;
    expect(otherJourney).toMatchObject({ status: 2, stdout: '' });
    expect(otherJourney.stderr.split('\n')[1]).toMatch(refusal);
    expect(otherJourney.stderr).not.toContain('with another audience');
    expect(otherAudience).toMatchObject({ status: 2, stdout: '' });
    expect(otherAudience.stderr.split('\n')[1]).toMatch(refusal);
    expect(otherAudience.stderr).toContain('loyalty with another audience');
    expect(await executionNames()).toEqual(before);
    expect(same.status).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ outcome: 'already_launched', launch: 'spring', journey: 'loyalty', status: 'SUCCEEDED' });
  });

  it("reports who entered, who the journey's entry conditions kept out and which ids have no profile, starting none of those (--json)", async () => {
    // Prepare: c-1 entered welcome already, and is no prospect since (welcome's `when`: a prospect); c-mixed-new has a profile; c-mixed-ghost has none.
    await givenProfile('c-mixed-new');
    const audience = file('mixed.csv', 'customerId\nc-1\nc-mixed-new\nc-mixed-ghost\n');

    // Act
    const result = await launch('welcome', audience, '--json');

    // Assess
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      outcome: 'launched',
      journey: 'welcome',
      customers: 3,
      started: 1,
      alreadyStarted: 0,
      notEligible: 0,
      conditionNotMet: 1,
      unknown: 1,
      unknownCustomers: ['c-mixed-ghost'],
      invalidRows: 0,
    });
    expect((await executionNames()).filter((name) => name.includes('c-mixed-ghost'))).toEqual([]);
    expect((await journeyExecutions()).filter((record) => record.status === 'FAILED')).toEqual([]);
  });

  it('tells a marketer in words what the launch did, ids only', async () => {
    // Prepare
    const audience = file('words.csv', 'customerId\nc-1\nc-words-ghost\n');

    // Act
    const result = await launch('welcome', audience);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^Launched welcome to 2 customers as launch-welcome-[0-9a-f]{12}: 0 entered, 0 already in or not eligible \(re-entry rule\), 1 not admitted by the journey's entry conditions, 1 unknown \(no profile\): c-words-ghost\n/,
    );
    expect(result.stdout).not.toContain('@');
    expect(result.stderr).toContain('launch: welcome to 2 customers as launch-welcome-');
  });

  it('starts a customer unknown at one launch with a later launch, once it has a profile', async () => {
    // Prepare
    const audience = file('late.csv', 'customerId\nc-late\n');
    const unknown = await launch('welcome', audience, '--json');
    await givenProfile('c-late');

    // Act
    const later = await launch('welcome', audience, '--id', 'late-again', '--json');

    // Assess
    expect(JSON.parse(unknown.stdout)).toMatchObject({ outcome: 'launched', customers: 1, started: 0, unknownCustomers: ['c-late'] });
    expect(JSON.parse(later.stdout)).toMatchObject({ outcome: 'launched', launch: 'late-again', customers: 1, started: 1, unknown: 0 });
    expect((await executionNames()).filter((name) => name.includes('c-late'))).toEqual(['welcome-c-late-late-again']);
  });

  it('enters a customer under the entry key its row names, and one whose row leaves it empty under the launch id', async () => {
    // Prepare
    await givenProfile('c-keyed-1');
    await givenProfile('c-keyed-2');
    const audience = file('keyed.csv', 'customerId,entryKey\nc-keyed-1,vip-preview\nc-keyed-2,\n');

    // Act
    const result = await launch('welcome', audience, '--json');

    // Assess
    expect(result.status).toBe(0);
    const launched = LaunchReportSchema.parse(JSON.parse(result.stdout));
    expect(launched).toMatchObject({ outcome: 'launched', customers: 2, started: 2, invalidRows: 0 });
    expect((await executionNames()).filter((name) => name.includes('c-keyed-'))).toEqual(['welcome-c-keyed-1-vip-preview', `welcome-c-keyed-2-${launched.launch}`]);
  });

  it('says there is no such customer (status 2) for an id with no profile and no history, and tells a customer with nothing recorded yet apart (status 0)', async () => {
    // Prepare
    await givenProfile('c-why-quiet');

    // Act
    const unknown = await overture('why', 'unknown-zz', '--data', data);
    const quiet = await overture('why', 'c-why-quiet', '--data', data);

    // Assess
    expect(unknown).toEqual({ status: 2, stdout: '', stderr: 'overture: no customer unknown-zz: it has no profile and nothing was recorded for it\n' });
    expect(quiet).toEqual({ status: 0, stdout: 'No decisions, sends or journey steps recorded for customer c-why-quiet.\n', stderr: '' });
  });

  it('exits with status 2 for a customer id that cannot be one', async () => {
    // Act
    const result = await overture('why', 'not an id', '--data', data);

    // Assess
    expect(result.status).toBe(2);
  });
});
