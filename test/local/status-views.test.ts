/**
 * `overture status` on what the local runtime records: launcher runs counted apart from the
 * journey they launch (the launcher is the template's state machine that runs no journey, whatever
 * its logical id), the state running executions are in — the one the data folder saved when no
 * stack runs — and which executions failed and why.
 */
import path from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';
import { LocalRuntime } from '../../lib/local/runtime';
import { DATA_FILES } from '../../lib/local/data-files';
import { LAUNCHER_LABEL, statusByJourney, type JourneyStatus } from '../../lib/local/stack-views';
import { readExecutionRegistry, type ExecutionRecord } from '../../lib/local/step-functions';
import { welcome } from '../../workflows/catalog/welcome';
import { overture } from '../support/cli';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(300_000);

const START = Date.parse('2026-03-02T09:00:00Z');
const HOUR = 3_600_000;
const data = temporaryDataDir('status-views');
let live: JourneyStatus[];
let launcherArn: string;

beforeAll(async () => {
  const runtime = await LocalRuntime.start({
    dataDir: data,
    journeys: [welcome],
    start: new Date(START),
    seed: 3,
    outdir: testOutdir('status-views'),
    inactivityScan: false,
  });
  try {
    launcherArn = runtime.launcherArn;
    // A sign-up: welcome sends its email and waits two days in `settle-in`.
    const signup = parseCustomerEvent({
      id: 'eb-1',
      'detail-type': 'signed_up',
      source: 'test',
      time: new Date(START + HOUR).toISOString(),
      detail: {
        customerId: 'c-1',
        eventId: 'signup-c-1',
        profile: { timezone: 'UTC', email: 'c-1@example.com' },
        consents: [{ channel: 'email', topic: 'marketing', status: 'granted', proof: { source: 'status-test' } }],
      },
      // Checked against the stack's virtual clock, where it is ingested, not the machine's.
    }, { now: new Date(START + HOUR) });
    if (!signup.valid) throw new Error(signup.reason);
    const { event } = signup;
    runtime.schedule({ at: START + HOUR, order: ['c-1'], key: 'c-1', run: async () => void (await runtime.ingestInWorkItem(event)) });
    // A launch of welcome whose audience file is not in the bucket: the launcher fails.
    runtime.schedule({
      at: START + 2 * HOUR,
      order: ['launch'],
      key: 'launch',
      run: async () =>
        void (await runtime.clients.sfn.send(
          new StartExecutionCommand({ stateMachineArn: launcherArn, name: 'launch-missing', input: JSON.stringify({ journey: 'welcome', audienceKey: 'launches/welcome/missing.csv' }) }),
        )),
    });
    await runtime.run(new Date(START + 3 * HOUR));
    live = statusByJourney(runtime.stepFunctions.listExecutions());
  } finally {
    await runtime.close();
  }
});

describe('overture status', () => {
  it('counts launcher runs under (launcher), not under the journey they launch, though the launcher has a logical id of the template', () => {
    // Assess
    expect(launcherArn).not.toMatch(/:AudienceLauncher$/);
    expect(live.map((status) => status.journey)).toEqual([LAUNCHER_LABEL, 'welcome']);
    expect(live.find((status) => status.journey === 'welcome')?.byStatus).toEqual({ RUNNING: 1 });
    expect(live.find((status) => status.journey === LAUNCHER_LABEL)?.byStatus).toEqual({ FAILED: 1 });
  });

  it('names each failed execution with the error it failed with', () => {
    // Assess
    expect(live.find((status) => status.journey === LAUNCHER_LABEL)?.failed).toEqual([{ execution: 'launch-missing', error: 'NoSuchKey', at: expect.any(String) }]);
  });

  it('shows, with no stack running, the state the data folder saved for a running execution', async () => {
    // Act
    const text = await overture('status', '--data', data);

    // Assess
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^welcome +1 +0 +0 +0$/m);
    expect(text.stdout).toMatch(/^ +1 in settle-in$/m);
    expect(text.stdout).toMatch(/^\(launcher\) +0 +0 +1 +0$/m);
    expect(text.stdout).toMatch(/^ +failed: launch-missing \(NoSuchKey\)$/m);
    expect(text.stdout).toContain('`overture redrive EXECUTION` runs a failed execution again');
    expect(text.stdout).not.toContain('(unknown)');
  });

  it('tells the launcher from a journey in a registry written before the journey was recorded', async () => {
    // Prepare: the records as an earlier version wrote them, without the journey.
    const legacy: ExecutionRecord[] = (await readExecutionRegistry(path.join(data, DATA_FILES.executions))).map(({ journey: _journey, ...record }) => record);

    // Act
    const statuses = statusByJourney(legacy);

    // Assess
    expect(statuses.map((status) => [status.journey, status.byStatus])).toEqual([
      [LAUNCHER_LABEL, { FAILED: 1 }],
      ['welcome', { RUNNING: 1 }],
    ]);
  });
});
