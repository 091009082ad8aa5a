/**
 * The ingest Lambda entry as deployed, on the emulators: DynamoDB (dynalite), the dead-letter
 * queue (fauxqs, read back with ReceiveMessage) and Step Functions (the local one, over the SDK
 * wire), each reached through the SDK's endpoint variables.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { journeyRoutesVariable, routesOf } from '../../lib/ingest/journey-routes';
import { CustomerStore } from '../../lib/store/customer-store';
import { CATALOG } from '../../workflows';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { resolveLocalhostNames, startFauxqs, type Fauxqs } from '../support/fauxqs';
import { useLambdaEnvironment } from '../support/lambda-environment';
import { startLocalStepFunctions, type LocalStepFunctionsHarness } from '../support/step-functions';

const arnOf = (journey: string) => `arn:aws:states:us-east-1:111122223333:stateMachine:${journey}`;
const routes = routesOf(CATALOG, arnOf);

let dynamo: DynaliteHarness;
let fauxqs: Fauxqs;
let sfn: LocalStepFunctionsHarness;
let deadLetterQueueUrl: string;
let tableName: string;
let restoreEnvironment: () => void;
let restoreResolver: () => void;
let ingestEvent: typeof import('../../functions/ingest/index').ingestEvent;

beforeAll(async () => {
  const machines = Object.fromEntries(routes.map((route) => [route.stateMachineArn, { kind: 'ends' as const }]));
  [dynamo, fauxqs, sfn] = await Promise.all([startDynalite(), startFauxqs(), startLocalStepFunctions({ machines })]);
  tableName = await createCustomerTable(dynamo.client, 'handler');
  deadLetterQueueUrl = await fauxqs.createQueue('ingest-dead-letters');
  restoreResolver = resolveLocalhostNames();
  restoreEnvironment = useLambdaEnvironment({
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
    AWS_ENDPOINT_URL_SFN: sfn.endpoint,
    CUSTOMER_TABLE_NAME: tableName,
    JOURNEY_ROUTES: journeyRoutesVariable(routes),
    JOURNEY_STATE_MACHINE_ARN_PREFIX: arnOf(''),
    DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
  });
  ({ ingestEvent } = await import('../../functions/ingest/index'));
});
afterAll(async () => {
  restoreEnvironment();
  restoreResolver();
  await Promise.all([sfn.stop(), fauxqs.stop(), dynamo.stop()]);
});
beforeEach(async () => {
  await fauxqs.receiveAll(deadLetterQueueUrl);
  await sfn.reset();
});

/** The dead letters now on the queue (received and deleted), as body and string attributes. */
async function deadLetters(): Promise<Array<{ body: string | undefined; attributes: Record<string, { DataType?: string; StringValue?: string }> }>> {
  const messages: Message[] = await fauxqs.receiveAll(deadLetterQueueUrl);
  return messages.map((message) => ({
    body: message.Body,
    attributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, { DataType: value.DataType, StringValue: value.StringValue }]),
    ),
  }));
}

describe('ingest function', () => {
  it('dead-letters an invalid event with the reason, and returns instead of throwing so it is not retried', async () => {
    // Prepare
    const event = { id: 'eb-1', 'detail-type': 'order_placed', source: 'shop', time: '2026-03-02T10:00:00Z', detail: { customerId: 'c-001', profile: { email: 'no' } } };

    // Act
    const result = await ingestEvent(event);

    // Assess
    expect(result).toEqual({ status: 'rejected', reason: expect.stringMatching(/^detail\.profile\.email: /) });
    expect(await deadLetters()).toEqual([
      {
        body: JSON.stringify(event),
        attributes: {
          reason: { DataType: 'String', StringValue: expect.stringMatching(/^detail\.profile\.email: /) },
          rejectedBy: { DataType: 'String', StringValue: 'ingest' },
          customerId: { DataType: 'String', StringValue: 'c-001' },
        },
      },
    ]);
    expect(await sfn.executions()).toEqual([]);
  });

  it('dead-letters an event whose time zone field holds an address and a number with a reason that quotes neither', async () => {
    // Prepare: a sender mapped the wrong fields; ingest logs the reason and puts it on the dead letter.
    const misplaced = 'victim.person@example.org +12125550123';
    const event = { id: 'eb-tz', 'detail-type': 'signed_up', source: 'web', time: '2026-03-02T10:00:00Z', detail: { customerId: 'c-tz', eventId: 'signup-tz', profile: { timezone: misplaced } } };

    // Act
    const result = await ingestEvent(event);

    // Assess
    expect(result).toEqual({ status: 'rejected', reason: expect.stringMatching(/^detail\.profile\.timezone: unknown time zone/) });
    expect(JSON.stringify(result)).not.toContain('victim.person@example.org');
    expect(JSON.stringify(result)).not.toContain('+12125550123');
    const [deadLetter] = await deadLetters();
    expect(deadLetter?.attributes.reason?.StringValue).toMatch(/^detail\.profile\.timezone: unknown time zone/);
    expect(JSON.stringify(deadLetter?.attributes)).not.toContain('victim.person@example.org');
    expect(JSON.stringify(deadLetter?.attributes)).not.toContain('+12125550123');
  });

  it('ingests a valid sign-up and starts welcome, dead-lettering nothing', async () => {
    // Act
    const result = await ingestEvent({
      id: 'eb-2',
      'detail-type': 'signed_up',
      source: 'web',
      time: '2026-03-02T10:00:00Z',
      detail: { customerId: 'c-002', eventId: 'signup-2', profile: { timezone: 'Europe/Paris' } },
    });

    // Assess
    expect(result).toMatchObject({ status: 'ingested', profile: 'created', journeys: [{ journey: 'welcome', execution: 'welcome-c-002-signup-2', outcome: 'started' }] });
    expect(await deadLetters()).toEqual([]);
    expect((await sfn.executions()).map((start) => start.name)).toEqual(['welcome-c-002-signup-2']);
  });

  it('dead-letters a consent stated years ahead of its clock, naming the field, and records no consent', async () => {
    // Prepare: a customer who has a profile, and a producer whose clock says 2099.
    const store = new CustomerStore({ client: dynamo.client, tableName });
    await ingestEvent({ id: 'eb-3', 'detail-type': 'signed_up', source: 'web', time: new Date().toISOString(), detail: { customerId: 'c-003', profile: { timezone: 'UTC' } } });
    await fauxqs.receiveAll(deadLetterQueueUrl);
    const event = {
      id: 'eb-4',
      'detail-type': 'consent_changed',
      source: 'crm',
      time: new Date().toISOString(),
      detail: { customerId: 'c-003', consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: '2099-01-01T00:00:00Z', proof: { source: 'crm' } }] },
    };

    // Act
    const result = await ingestEvent(event);

    // Assess
    const reason = expect.stringMatching(/^detail\.consents\.0\.at: is more than 5 minutes ahead of the ingest's clock/);
    expect(result).toEqual({ status: 'rejected', reason });
    expect(await deadLetters()).toEqual([{ body: JSON.stringify(event), attributes: expect.objectContaining({ reason: { DataType: 'String', StringValue: reason } }) }]);
    expect(await store.consentLedger('c-003')).toEqual([]);
  });

  it('dead-letters a profile change dated years ahead of its clock, naming time, and writes none of its profile fields or preferences', async () => {
    // Prepare: a customer who has a profile, and a producer whose clock says 2099.
    const store = new CustomerStore({ client: dynamo.client, tableName });
    await ingestEvent({ id: 'eb-5', 'detail-type': 'signed_up', source: 'web', time: new Date().toISOString(), detail: { customerId: 'c-004', profile: { timezone: 'UTC' } } });
    await fauxqs.receiveAll(deadLetterQueueUrl);
    const event = {
      id: 'eb-6',
      'detail-type': 'profile_changed',
      source: 'crm',
      time: '2099-01-01T00:00:00Z',
      detail: { customerId: 'c-004', profile: { phone: '+12125550143' }, preferences: { channels: ['sms'] } },
    };

    // Act
    const result = await ingestEvent(event);

    // Assess
    const reason = expect.stringMatching(/^time: is more than 5 minutes ahead of the ingest's clock/);
    expect(result).toEqual({ status: 'rejected', reason });
    expect(await deadLetters()).toEqual([{ body: JSON.stringify(event), attributes: expect.objectContaining({ reason: { DataType: 'String', StringValue: reason } }) }]);
    const { profile, attributes } = await store.readEventState('c-004');
    expect(profile?.phone).toBeUndefined();
    expect([...attributes.keys()]).not.toContain('lastEvent.profile_changed');
    // A preference-centre save made now is not stale.
    expect(await store.putPreferences('c-004', { channels: ['email'] }, { at: new Date().toISOString() })).toBe('written');
  });
});
