/**
 * The waitForEvent Lambda as deployed: middy, Powertools, the environment read once, DynamoDB
 * reached through the SDK's ordinary endpoint variable (dynalite), and Step Functions the local
 * one (lib/local) reached the same way, where the customer's execution waits in a
 * `.waitForTaskToken` Task holding the token the function is handed.
 */
import type { Context } from 'aws-lambda';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';
import { ingestCustomerEvent } from '../../lib/ingest/ingest-event';
import { waitingTasks } from '../../lib/ingest/task-tokens';
import { CustomerStore } from '../../lib/store';
import { localStateMachineArn } from '../../lib/local/step-functions';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { useLambdaEnvironment } from '../support/lambda-environment';
import { startLocalStepFunctions, type LocalStepFunctionsHarness } from '../support/step-functions';

const welcomeArn = localStateMachineArn('welcome');
let sfn: LocalStepFunctionsHarness;
let dynamo: DynaliteHarness;
let tableName: string;
let restoreEnvironment: () => void;
let handler: (event: unknown, context: Context) => Promise<unknown>;

const context = {
  functionName: 'overture-wait-for-event',
  awsRequestId: 'request-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:overture-wait-for-event',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

/** The payload the compiled waitForEvent Task hands the function. */
function payload(customerId: string, waitStartedAt: string) {
  return {
    customerId,
    journey: 'welcome',
    step: 'first-order',
    execution: `welcome-${customerId}-signup-1`,
    event: 'order_placed',
    taskToken: `token-${customerId}`,
    timeoutSeconds: 604800,
    waitStartedAt,
  };
}

/** Starts the customer's welcome execution, which enters its wait holding the token of {@link payload}. */
async function waitingExecution(customerId: string): Promise<void> {
  const { execution, taskToken } = payload(customerId, '2026-03-02T10:00:00.000Z');
  await sfn.startWaiting(welcomeArn, execution, taskToken);
}

beforeAll(async () => {
  [dynamo, sfn] = await Promise.all([startDynalite(), startLocalStepFunctions({ machines: { [welcomeArn]: { kind: 'waits' } } })]);
  tableName = await createCustomerTable(dynamo.client, 'wait-handler');
  restoreEnvironment = useLambdaEnvironment({
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SFN: sfn.endpoint,
    CUSTOMER_TABLE_NAME: tableName,
  });
  ({ handler } = await import('../../functions/wait-for-event/index'));
});
afterAll(async () => {
  restoreEnvironment();
  await sfn.stop();
  await dynamo.stop();
});
beforeEach(() => sfn.reset());

it('stores the token and leaves the execution waiting when the event has not come', async () => {
  // Prepare
  await waitingExecution('w-1');

  // Act
  const answer = await handler(payload('w-1', '2026-03-02T10:00:00.000Z'), context);

  // Assess
  expect(answer).toEqual({ status: 'waiting' });
  expect((await waitingTasks({ client: dynamo.client, tableName }, 'w-1', 'order_placed')).map((task) => task.waitStartedAt)).toEqual([
    '2026-03-02T10:00:00.000Z',
  ]);
  expect(sfn.returned).toEqual([]);
  expect(sfn.stepFunctions.describeExecution('welcome-w-1-signup-1').status).toBe('RUNNING');
});

it('resumes the execution itself when the event was ingested after the wait began', async () => {
  // Prepare
  await waitingExecution('w-2');
  const parsed = parseCustomerEvent({
    id: 'eb-1',
    'detail-type': 'order_placed',
    source: 'shop',
    time: '2026-03-02T10:00:01Z',
    detail: { customerId: 'w-2', eventId: 'order-1' },
  });
  if (!parsed.valid) throw new Error(parsed.reason);
  await ingestCustomerEvent(
    { store: new CustomerStore({ client: dynamo.client, tableName }), dynamodb: dynamo.client, sfn: sfn.client, tableName, routes: [] },
    parsed.event,
  );

  // Act
  const answer = await handler(payload('w-2', '2026-03-02T10:00:00.000Z'), context);

  // Assess
  expect(answer).toEqual({ status: 'resumed', occurredAt: '2026-03-02T10:00:01.000Z' });
  expect(sfn.returned.map((call) => call.taskToken)).toEqual(['token-w-2']);
  expect(await waitingTasks({ client: dynamo.client, tableName }, 'w-2', 'order_placed')).toEqual([]);
});

it('fails on a payload without a task token, storing nothing', async () => {
  // Prepare
  const { taskToken: _missing, ...withoutToken } = payload('w-3', '2026-03-02T10:00:00.000Z');

  // Act
  const answer = handler(withoutToken, context);

  // Assess
  await expect(answer).rejects.toThrow(/taskToken/);
  expect(await waitingTasks({ client: dynamo.client, tableName }, 'w-3', 'order_placed')).toEqual([]);
});
