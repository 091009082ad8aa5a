/**
 * RedriveExecution on the local Step Functions, as operators use it in AWS after fixing what made
 * an execution fail: the execution runs again under its name, from its last wait, and the send
 * ledger keeps every step to one message.
 */
import path from 'node:path';
import { DescribeExecutionCommand, ExecutionNotRedrivable, RedriveExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { sendLedgerOf } from '../../lib/local/customer-history';
import { DATA_FILES } from '../../lib/local/data-files';
import { LocalRuntime } from '../../lib/local/runtime';
import { LocalStepFunctions, readExecutionRegistry, type LocalStateMachine, type RunningExecution } from '../../lib/local/step-functions';
import { welcome } from '../../workflows/catalog/welcome';
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
    // Prepare: welcome started for a customer with no profile fails at its first step.
    const runtime = await LocalRuntime.start({
      dataDir: temporaryDataDir('redrive-journey'),
      journeys: [welcome],
      start: new Date(START),
      seed: 7,
      outdir: testOutdir('redrive-journey'),
      inactivityScan: false,
    });
    try {
      const journeyArn = runtime.stepFunctions.stateMachines().find((machine) => machine.journey === 'welcome')?.arn;
      const { executionArn } = await runtime.clients.sfn.send(
        new StartExecutionCommand({ stateMachineArn: journeyArn, name: 'welcome-redrive-1-signup', input: JSON.stringify({ customerId: 'redrive-1', journey: 'welcome', entryKey: 'signup' }) }),
      );
      await runtime.run(new Date(START + 60_000));
      const failed = await runtime.clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
      expect(failed).toMatchObject({ status: 'FAILED', error: 'CustomerNotFoundError', redriveCount: 0 });

      // Act: the profile arrives; the operator redrives, and redrives again once it ended.
      await runtime.store.importCustomer({
        profile: { customerId: 'redrive-1', stage: 'prospect', timezone: 'UTC', email: 'redrive-1@example.com', updatedAt: new Date(START).toISOString() },
        consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T00:00:00Z', proof: { source: 'web-form' } }],
      });
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
