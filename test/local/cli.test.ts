/**
 * The `overture` commands that work on a local stack's data folder, run in this process the way a
 * person runs them when no stack is up: events and launches start the runtime on the folder for
 * the command, status and why read it. Bad input exits with status 2 naming what to fix.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { DATA_FILES } from '../../lib/local/data-files';
import { temporaryDataDir, testOutdir } from './support';
import { overture } from '../support/cli';

jest.setTimeout(900_000);

const data = temporaryDataDir('cli');
const cdkOut = testOutdir('cli');

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

describe('overture send-event, launch, status and why on a stopped stack', () => {
  const at = '2026-03-02T15:00:00Z';
  let sent: Awaited<ReturnType<typeof overture>>;

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

  it('shows the execution under its journey in status', async () => {
    // Act
    const result = await overture('status', '--data', data, '--json');

    // Assess
    expect(result.status).toBe(0);
    const status = z.object({ journeys: z.array(z.object({ journey: z.string(), byStatus: z.record(z.string(), z.number()) })) }).parse(JSON.parse(result.stdout));
    expect(status.journeys).toContainEqual(expect.objectContaining({ journey: 'welcome', byStatus: { RUNNING: 1 } }));
  });

  it('tells why: the welcome email was sent at the event time', async () => {
    // Act
    const result = await overture('why', 'c-1', '--data', data);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`${new Date(at).toISOString()}  welcome/welcome-email  sent by email, topic marketing  [welcome-c-1-signup-c-1]`);
  });

  it('launches an audience once: the same file again starts nothing', async () => {
    // Prepare
    const audience = file('loyal.csv', 'customerId\nc-1\n');

    // Act
    const first = await overture('launch', 'loyalty', '--audience', audience, '--data', data, '--cdk-out', cdkOut, '--json');
    const again = await overture('launch', 'loyalty', '--audience', audience, '--data', data, '--cdk-out', cdkOut, '--json');

    // Assess
    expect(JSON.parse(first.stdout)).toMatchObject({ outcome: 'started', customers: 1 });
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'already_started' });
    const registry = readFileSync(path.join(data, DATA_FILES.executions), 'utf8');
    expect(registry.match(/"name":"loyalty-c-1-launch-loyalty-[0-9a-f]{12}"/g)?.length ?? 0).toBeGreaterThan(0);
  });

  it('exits with status 2 for a customer id that cannot be one', async () => {
    // Act
    const result = await overture('why', 'not an id', '--data', data);

    // Assess
    expect(result.status).toBe(2);
  });
});
