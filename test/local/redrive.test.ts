/**
 * RedriveExecution on the local Step Functions, as operators use it in AWS after fixing what made
 * an execution fail: the execution runs again under its name, from the state it failed in, and
 * the send ledger keeps every step to one message.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DescribeExecutionCommand, ExecutionNotRedrivable, RedriveExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sendLedgerOf } from '../../lib/local/customer-history';
import { controlRequestListener } from '../../lib/local/control-api';
import { DATA_FILES } from '../../lib/local/data-files';
import { LocalRuntime } from '../../lib/local/runtime';
import { LocalStepFunctions, readExecutionRegistry, type LocalStateMachine, type RunningExecution } from '../../lib/local/step-functions';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';
import { itemKeys } from '../../lib/store/item-keys';
import { PARTITION_KEY, SORT_KEY } from '../../lib/store/table-design';
import { days, defineJourney, onEvent, reEntry, send, setStage, waitForEvent } from '../../workflows/builder';
import { welcome } from '../../workflows/catalog/welcome';
import { overture } from '../support/cli';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(300_000);

const START = Date.parse('2026-03-02T09:00:00Z');
const DAY = 86_400_000;

describe('LocalStepFunctions.redriveExecution', () => {
  /** A state machine whose runs fail until `healed`, after checkpointing at the Wait `settle-in`. */
  function flakyMachine(runs: RunningExecution[], healed: () => boolean): LocalStateMachine {
    return {
      arn: 'arn:aws:states:local:000000000000:stateMachine:flaky',
      definition: { StartAt: 'settle-in', States: { 'settle-in': { Type: 'Wait', Seconds: 1, End: true } } } as unknown as LocalStateMachine['definition'],
      runner: (execution) => {
        runs.push(execution);
        execution.checkpointed({ state: 'settle-in', input: '{"customerId":"c-1"}' });
        return healed() ? Promise.resolve({}) : Promise.reject(Object.assign(new Error('boom'), { name: 'CustomerNotFoundError' }));
      },
    };
  }

  it('runs a failed execution again from its last wait, and keeps the count in the registry', async () => {
    // Prepare
    const file = path.join(temporaryDataDir('redrive-registry'), DATA_FILES.executions);
    const sfn = new LocalStepFunctions({ now: () => new Date(START), registryFile: file });
    const runs: RunningExecution[] = [];
    let healed = false;
    const machine = flakyMachine(runs, () => healed);
    sfn.addStateMachine(machine);
    sfn.startExecution({ stateMachineArn: machine.arn, name: 'flaky-c-1', input: '{"customerId":"c-1"}' });
    await sfn.settled();
    expect(sfn.describeExecution('flaky-c-1')).toMatchObject({ status: 'FAILED', error: 'CustomerNotFoundError' });

    // Act
    healed = true;
    sfn.redriveExecution('flaky-c-1');
    await sfn.settled();
    await sfn.flush();

    // Assess
    expect(runs.map((run) => run.resumeFrom?.state)).toEqual([undefined, 'settle-in']);
    expect(sfn.describeExecution('flaky-c-1')).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(sfn.describeExecution('flaky-c-1').error).toBeUndefined();
    expect(await readExecutionRegistry(file)).toEqual([expect.objectContaining({ name: 'flaky-c-1', status: 'SUCCEEDED', redriveCount: 1 })]);
  });

  it('refuses to redrive an execution that is running or succeeded, and one it does not know', async () => {
    // Prepare
    const sfn = new LocalStepFunctions({ now: () => new Date(START) });
    const machine = flakyMachine([], () => true);
    sfn.addStateMachine(machine);
    sfn.startExecution({ stateMachineArn: machine.arn, name: 'flaky-c-2', input: '{}' });

    // Act
    const whileRunning = (): unknown => sfn.redriveExecution('flaky-c-2');
    const running = sfn.describeExecution('flaky-c-2').status;
    expect(whileRunning).toThrow(expect.objectContaining({ code: 'ExecutionNotRedrivable' }));
    await sfn.settled();

    // Assess
    expect(running).toBe('RUNNING');
    expect(() => sfn.redriveExecution('flaky-c-2')).toThrow(/flaky-c-2 is SUCCEEDED: only a failed or aborted execution can be redriven/);
    expect(() => sfn.redriveExecution('flaky-c-9')).toThrow(expect.objectContaining({ code: 'ExecutionDoesNotExist' }));
  });
});

describe('redriving a failed journey on the local runtime', () => {
  it('sends what the failed run could not, once, after the cause is fixed', async () => {
    // Prepare: welcome fails at its first step, the customer table refusing the profile for
    // longer than the step's retries.
    const runtime = await LocalRuntime.start({
      dataDir: temporaryDataDir('redrive-journey'),
      journeys: [welcome],
      start: new Date(START),
      seed: 7,
      outdir: testOutdir('redrive-journey'),
      inactivityScan: false,
    });
    try {
      await importWelcomeCustomer(runtime, 'redrive-1');
      const outage = profileReadsFail(runtime, 'redrive-1');
      const journeyArn = runtime.stepFunctions.stateMachines().find((machine) => machine.journey === 'welcome')?.arn;
      const { executionArn } = await runtime.clients.sfn.send(
        new StartExecutionCommand({ stateMachineArn: journeyArn, name: 'welcome-redrive-1-signup', input: JSON.stringify({ customerId: 'redrive-1', journey: 'welcome', entryKey: 'signup' }) }),
      );
      await runtime.run(new Date(START + 60_000));
      const failed = await runtime.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(failed).toMatchObject({ status: 'FAILED', error: OUTAGE_ERROR, redriveCount: 0 });

      // Act: the table answers again; the operator redrives, and redrives again once it ended.
      outage.heal();
      await runtime.clients.sfn.send(new RedriveExecutionCommand({ executionArn }));
      const redriven = await runtime.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
      await runtime.run(new Date(START + 12 * DAY));
      const again = runtime.clients.sfn.send(new RedriveExecutionCommand({ executionArn }));

      // Assess
      expect(redriven).toMatchObject({ status: 'RUNNING', redriveCount: 1 });
      await expect(again).rejects.toBeInstanceOf(ExecutionNotRedrivable);
      expect(await runtime.clients.sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
      const ledger = await sendLedgerOf(runtime.clients.dynamodb, runtime.tableName, 'redrive-1');
      expect(ledger.map((entry) => [entry.step, entry.status]).sort()).toEqual([
        ['first-purchase-nudge', 'sent'],
        ['tips-email', 'sent'],
        ['welcome-email', 'sent'],
      ]);
    } finally {
      await runtime.close();
    }
  });
});

describe('redriving a journey that failed after a wait for an event ended', () => {
  /** Asks for preferences and reminds only those who did not give them within 3 days. */
  const askPreferences = defineJourney({
    id: 'ask-preferences',
    name: 'Ask for preferences',
    entry: onEvent(['lead_captured'], reEntry.never),
    steps: [
      waitForEvent('preferences-given', {
        event: 'preferences_updated',
        timeout: days(3),
        onTimeout: [send('remind-preferences', { template: 'preference-reminder', topic: 'marketing', channels: ['email'] })],
      }),
      setStage('mark-prospect', 'prospect'),
    ],
  });

  it('carries on from the state that failed, as in AWS: the customer who answered is not reminded', async () => {
    // Prepare: the customer answers within the wait; the step after it fails (the table refuses
    // the profile for longer than the step's retries).
    const runtime = await LocalRuntime.start({ journeys: [askPreferences], start: new Date(START), seed: 5, outdir: testOutdir('redrive-after-event'), inactivityScan: false });
    try {
      await importWelcomeCustomer(runtime, 'c-answered');
      const outage = profileReadsFail(runtime, 'c-answered');
      const name = 'ask-preferences-c-answered-lead';
      const stateMachineArn = runtime.stepFunctions.stateMachines().find((machine) => machine.journey === 'ask-preferences')?.arn;
      await runtime.clients.sfn.send(
        new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ customerId: 'c-answered', journey: 'ask-preferences', entryKey: 'lead' }) }),
      );
      const answer = parseCustomerEvent(
        { id: 'eb-1', 'detail-type': 'preferences_updated', source: 'test', time: new Date(START + 3_600_000).toISOString(), detail: { customerId: 'c-answered', eventId: 'prefs-1' } },
        { now: new Date(START + 3_600_000) },
      );
      if (!answer.valid) throw new Error(answer.reason);
      runtime.schedule({ at: START + 3_600_000, order: ['c-answered'], key: 'c-answered', run: async () => void (await runtime.ingestInWorkItem(answer.event)) });
      await runtime.run(new Date(START + 2 * 3_600_000));
      expect(runtime.stepFunctions.describeExecution(name)).toMatchObject({ status: 'FAILED', error: OUTAGE_ERROR });

      // Act: the table answers again; the operator redrives.
      outage.heal();
      runtime.stepFunctions.redriveExecution(name);
      await runtime.run(new Date(START + 5 * DAY));

      // Assess
      expect(runtime.stepFunctions.describeExecution(name)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
      const ledger = await sendLedgerOf(runtime.clients.dynamodb, runtime.tableName, 'c-answered');
      expect(ledger.map((entry) => entry.step)).toEqual([]);
    } finally {
      await runtime.close();
    }
  });
});

/** What the journeyEffects Task fails with when the table refuses: the store's error, by name. */
const OUTAGE_ERROR = 'CustomerStoreError';

/** What a stage change asks of the profile item: a conditional update, then a read. */
const PROFILE_COMMANDS = new Set(['UpdateItemCommand', 'GetItemCommand']);

/**
 * Makes the customer table refuse `customerId`'s profile item (UpdateItem, GetItem), as an
 * unavailable table answers, until `heal`: a stage change fails after its retries, and the
 * execution with it, which is what an operator redrives once the table answers again.
 */
function profileReadsFail(runtime: LocalRuntime, customerId: string): { heal(): void } {
  let healed = false;
  runtime.clients.dynamodb.middlewareStack.add(
    (next, context) => async (args) => {
      const key = (args.input as { Key?: Record<string, { S?: string }> }).Key;
      if (!healed && PROFILE_COMMANDS.has(context.commandName ?? '') && key?.[PARTITION_KEY]?.S === itemKeys.partition(customerId) && key[SORT_KEY]?.S === itemKeys.profile()) {
        throw Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalServerError', $fault: 'server' });
      }
      return next(args);
    },
    { step: 'initialize', name: `profileReadsFail-${customerId}` },
  );
  return { heal: () => (healed = true) };
}

/** Starts welcome for `customerId` with their profile unreadable, and runs until it failed; the execution's name. */
async function failedWelcome(runtime: LocalRuntime, customerId: string): Promise<string> {
  await importWelcomeCustomer(runtime, customerId);
  profileReadsFail(runtime, customerId);
  const name = `welcome-${customerId}-signup`;
  const stateMachineArn = runtime.stepFunctions.stateMachines().find((machine) => machine.journey === 'welcome')?.arn;
  await runtime.clients.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ customerId, journey: 'welcome', entryKey: 'signup' }) }));
  await runtime.run(new Date(runtime.now().getTime() + 60_000));
  expect(runtime.stepFunctions.describeExecution(name)).toMatchObject({ status: 'FAILED', error: OUTAGE_ERROR });
  return name;
}

function importWelcomeCustomer(runtime: LocalRuntime, customerId: string): Promise<void> {
  return runtime.store.importCustomer({
    profile: { customerId, stage: 'prospect', timezone: 'UTC', email: `${customerId}@example.com`, updatedAt: runtime.now().toISOString() },
    consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', proof: { source: 'web-form' } }],
  });
}

describe('overture redrive', () => {
  it('redrives a failed execution of a stopped stack, which carries on at its next start', async () => {
    // Prepare
    const data = temporaryDataDir('redrive-cli');
    const cdkOut = testOutdir('redrive-cli');
    const first = await LocalRuntime.start({ dataDir: data, start: new Date(START), seed: 3, outdir: cdkOut, inactivityScan: false });
    let name: string;
    try {
      // The next start's table answers: the outage was this process's.
      name = await failedWelcome(first, 'redrive-cli-1');
    } finally {
      await first.close();
    }

    // Act
    const redriven = await overture('redrive', name, '--data', data, '--cdk-out', cdkOut);
    const again = await overture('redrive', name, '--data', data, '--cdk-out', cdkOut);
    const unknown = await overture('redrive', 'welcome-nobody-signup', '--data', data, '--cdk-out', cdkOut);
    const status = await overture('status', '--data', data, '--json');
    const second = await LocalRuntime.start({ dataDir: data, seed: 3, outdir: cdkOut, inactivityScan: false });
    let ledger: Awaited<ReturnType<typeof sendLedgerOf>>;
    try {
      await second.run(new Date(START + 12 * DAY));
      ledger = await sendLedgerOf(second.clients.dynamodb, second.tableName, 'redrive-cli-1');
    } finally {
      await second.close();
    }

    // Assess
    expect(redriven).toMatchObject({ status: 0, stdout: expect.stringMatching(new RegExp(`^Redrove ${name} \\(redrive 1\\) at virtual time .*carries on from there at its next start`)) });
    expect(again).toMatchObject({ status: 2, stderr: expect.stringContaining(`nothing was redriven: execution ${name} is RUNNING`) });
    expect(unknown).toMatchObject({ status: 2, stderr: expect.stringContaining('execution welcome-nobody-signup does not exist') });
    expect(JSON.parse(status.stdout)).toMatchObject({ journeys: [{ journey: 'welcome', byStatus: { RUNNING: 1 }, failed: [] }] });
    expect(ledger.map((entry) => [entry.step, entry.status]).sort()).toEqual([
      ['first-purchase-nudge', 'sent'],
      ['tips-email', 'sent'],
      ['welcome-email', 'sent'],
    ]);
  });

  it('redrives through the running stack\'s control route: 404 for no such execution, 409 once it runs', async () => {
    // Prepare
    const runtime = await LocalRuntime.start({ journeys: [welcome], start: new Date(START), seed: 4, outdir: testOutdir('redrive-route'), inactivityScan: false });
    const server = createServer(controlRequestListener(runtime));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_overture/executions`;
    try {
      const name = await failedWelcome(runtime, 'redrive-route-1');
      const redrive = (execution: string) => fetch(`${base}/${encodeURIComponent(execution)}/redrive`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });

      // Act
      const missing = await redrive('welcome-nobody-signup');
      const first = await redrive(name);
      const second = await redrive(name);

      // Assess
      expect(missing.status).toBe(404);
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({ execution: name, redriveCount: 1, redriveDate: expect.any(String) });
      expect(second.status).toBe(409);
      expect(await second.json()).toEqual({ message: `execution ${name} is RUNNING: only a failed or aborted execution can be redriven` });
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await runtime.close();
    }
  });
});
