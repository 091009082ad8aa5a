/**
 * The local Step Functions keeps a closed execution's name as AWS does: a StartExecution with it is
 * `ExecutionAlreadyExists` until 90 days after the execution closed, and starts a new execution
 * from then on. Reached through the SDK, as the ingest and launch code reach it.
 */
import { DescribeExecutionCommand, ExecutionAlreadyExists, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { AslDefinition } from '../../lib/journeys/asl';
import { LOCAL_CLIENT_CONFIG } from '../../lib/local/clients';
import { startStepFunctionsServer, type StepFunctionsServer } from '../../lib/local/step-functions-server';
import { EXECUTION_NAME_RETENTION_DAYS, interpretedRunner, LocalStepFunctions, localStateMachineArn } from '../../lib/local/step-functions';

const DAY_MS = 86_400_000;
const arn = localStateMachineArn('retention');
const closedAt = new Date('2026-03-02T09:00:00Z');

let now: Date;
let stepFunctions: LocalStepFunctions;
let server: StepFunctionsServer;
let sfn: SFNClient;

beforeAll(async () => {
  stepFunctions = new LocalStepFunctions({ now: () => now });
  server = await startStepFunctionsServer(stepFunctions);
  sfn = new SFNClient({ ...LOCAL_CLIENT_CONFIG, endpoint: server.endpoint, maxAttempts: 1 });
});
afterAll(async () => {
  sfn.destroy();
  await server.close();
});
beforeAll(() => {
  const definition: AslDefinition = { Comment: 'closes at once', QueryLanguage: 'JSONPath', StartAt: 'done', States: { done: { Type: 'Succeed' } } };
  stepFunctions.addStateMachine({ arn, definition, runner: interpretedRunner(definition, { taskHandlers: () => ({}), context: () => ({}) }) });
});

/** Starts `name` at `now` and waits until it closed. */
async function closedExecution(name: string, input: string): Promise<void> {
  now = closedAt;
  await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name, input }));
  await stepFunctions.settled();
}

const start = (name: string, input: string) => sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name, input }));

describe('a closed execution\'s name', () => {
  it('is refused with ExecutionAlreadyExists until 90 days after the execution closed, whatever the input', async () => {
    // Prepare
    await closedExecution('held', '{"n":1}');

    // Act
    now = new Date(closedAt.getTime() + EXECUTION_NAME_RETENTION_DAYS * DAY_MS - 1);
    const sameInput = start('held', '{"n":1}');
    const otherInput = start('held', '{"n":2}');

    // Assess
    await expect(sameInput).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(otherInput).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }));
    expect(executions.filter((execution) => execution.name === 'held').map((execution) => execution.startDate)).toEqual([closedAt]);
  });

  it('starts a new execution 90 days after the execution closed, which replaces the closed one', async () => {
    // Prepare
    await closedExecution('freed', '{"n":1}');

    // Act
    now = new Date(closedAt.getTime() + EXECUTION_NAME_RETENTION_DAYS * DAY_MS);
    const started = await start('freed', '{"n":2}');

    // Assess
    expect(started.startDate).toEqual(now);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
    expect(described).toMatchObject({ name: 'freed', input: '{"n":2}', startDate: now });
    await stepFunctions.settled();
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }));
    expect(executions.filter((execution) => execution.name === 'freed').map((execution) => execution.startDate)).toEqual([now]);
  });

  it('stays held however long a running execution runs', async () => {
    // Prepare: an execution whose Task never ends.
    const waiting = localStateMachineArn('retention-running');
    const definition: AslDefinition = {
      Comment: 'waits for a token',
      QueryLanguage: 'JSONPath',
      StartAt: 'wait',
      States: { wait: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { 'Payload.$': '$' }, End: true } },
    };
    stepFunctions.addStateMachine({
      arn: waiting,
      definition,
      runner: interpretedRunner(definition, { taskHandlers: (execution) => ({ wait: () => stepFunctions.waitForToken(`local-task-token:${execution.name}`, execution.name) }), context: () => ({}) }),
    });
    now = closedAt;
    await sfn.send(new StartExecutionCommand({ stateMachineArn: waiting, name: 'running', input: '{"n":1}' }));

    // Act
    now = new Date(closedAt.getTime() + 365 * DAY_MS);
    const other = sfn.send(new StartExecutionCommand({ stateMachineArn: waiting, name: 'running', input: '{"n":2}' }));

    // Assess
    await expect(other).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    stepFunctions.sendTaskFailure('local-task-token:running', 'Ended', 'the test is over');
    await stepFunctions.settled();
  });
});
