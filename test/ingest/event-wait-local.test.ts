/**
 * The waitForEvent work against the local runtime's Step Functions (lib/local), reached through
 * the SDK like any emulator: a task token registered by a waiting Task is returned by
 * `beginEventWait` when the event came before the token was stored, and a second return of the
 * same token comes back spent (`TaskTimedOut` over the wire), not as an error.
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { beginEventWait } from '../../lib/ingest/event-wait';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';
import { ingestCustomerEvent } from '../../lib/ingest/ingest-event';
import { LOCAL_CLIENT_CONFIG } from '../../lib/local/clients';
import { startStepFunctionsServer, type StepFunctionsServer } from '../../lib/local/step-functions-server';
import { LocalStepFunctions } from '../../lib/local/step-functions';
import { CustomerStore } from '../../lib/store/customer-store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';

let dynamo: DynaliteHarness;
let tableName: string;
let stepFunctions: LocalStepFunctions;
let server: StepFunctionsServer;
let sfn: SFNClient;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'event-wait-local');
  stepFunctions = new LocalStepFunctions({ now: () => new Date() });
  server = await startStepFunctionsServer(stepFunctions);
  sfn = new SFNClient({ ...LOCAL_CLIENT_CONFIG, endpoint: server.endpoint });
});
afterAll(async () => {
  sfn.destroy();
  await server.close();
  await dynamo.stop();
});

it('resumes a local wait whose event was ingested before its token was stored, once', async () => {
  // Prepare: the Task registers its token (as the local runtime's handler does), the event comes.
  const token = 'local-task-token:welcome-c-001-s1:1';
  const resumed = stepFunctions.waitForToken(token, 'welcome-c-001-s1');
  const parsed = parseCustomerEvent({ id: 'eb-1', 'detail-type': 'order_placed', source: 'test', time: '2026-03-02T10:00:02Z', detail: { customerId: 'c-001' } });
  if (!parsed.valid) throw new Error(parsed.reason);
  const ports = { dynamodb: dynamo.client, sfn, tableName };
  const ingested = await ingestCustomerEvent({ ...ports, store: new CustomerStore({ client: dynamo.client, tableName }), routes: [] }, parsed.event);
  const payload = {
    customerId: 'c-001',
    journey: 'welcome',
    step: 'first-order',
    execution: 'welcome-c-001-s1',
    event: 'order_placed',
    taskToken: token,
    timeoutSeconds: 604800,
    waitStartedAt: '2026-03-02T10:00:00.000Z',
  };

  // Act
  const first = await beginEventWait(ports, payload, new Date('2026-03-02T10:00:03Z'));
  const again = await beginEventWait(ports, payload, new Date('2026-03-02T10:00:04Z'));

  // Assess
  expect(ingested.resumed).toEqual([]);
  expect(first).toEqual({ status: 'resumed', occurredAt: '2026-03-02T10:00:02.000Z' });
  await expect(resumed).resolves.toEqual({ event: 'order_placed', occurredAt: '2026-03-02T10:00:02.000Z' });
  expect(again).toEqual({ status: 'spent', occurredAt: '2026-03-02T10:00:02.000Z' });
});
