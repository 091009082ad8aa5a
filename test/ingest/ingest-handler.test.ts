import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { routesOf } from '../../lib/ingest/journey-routes';
import { CustomerStore } from '../../lib/store/customer-store';
import { CATALOG } from '../../workflows';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { fakeStepFunctions } from './fake-step-functions';
import { useLambdaEnvironment } from '../support/lambda-environment';

const sfn = fakeStepFunctions();
const sqsMock = mockClient(SQSClient);
const deadLetterQueueUrl = 'https://sqs.us-east-1.amazonaws.com/111122223333/ingest-dead-letters';
const arnOf = (journey: string) => `arn:aws:states:us-east-1:111122223333:stateMachine:${journey}`;

let dynamo: DynaliteHarness;
let tableName: string;
let restoreEnvironment: () => void;
let ingestEvent: typeof import('../../functions/ingest/index').ingestEvent;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'handler');
  restoreEnvironment = useLambdaEnvironment({
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    CUSTOMER_TABLE_NAME: tableName,
    JOURNEY_ROUTES: JSON.stringify(routesOf(CATALOG, arnOf)),
    DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
  });
  ({ ingestEvent } = await import('../../functions/ingest/index'));
});
afterAll(async () => {
  restoreEnvironment();
  await dynamo.stop();
});
beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  sfn.reset();
});

describe('ingest function', () => {
  it('dead-letters an invalid event with the reason, and returns instead of throwing so it is not retried', async () => {
    // Prepare
    const event = { id: 'eb-1', 'detail-type': 'order_placed', source: 'shop', time: '2026-03-02T10:00:00Z', detail: { customerId: 'c-001', profile: { email: 'no' } } };

    // Act
    const result = await ingestEvent(event);

    // Assess
    expect(result).toEqual({ status: 'rejected', reason: expect.stringMatching(/^detail\.profile\.email: /) });
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: deadLetterQueueUrl,
      MessageBody: JSON.stringify(event),
      MessageAttributes: {
        reason: { DataType: 'String', StringValue: expect.stringMatching(/^detail\.profile\.email: /) },
        rejectedBy: { DataType: 'String', StringValue: 'ingest' },
        customerId: { DataType: 'String', StringValue: 'c-001' },
      },
    });
    expect(sfn.started).toEqual([]);
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
    const [deadLetter] = sqsMock.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
    expect(JSON.stringify(deadLetter?.MessageAttributes)).not.toContain('victim.person@example.org');
    expect(JSON.stringify(deadLetter?.MessageAttributes)).not.toContain('+12125550123');
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
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
    expect(sfn.started.map((start) => start.name)).toEqual(['welcome-c-002-signup-2']);
  });

  it('dead-letters a consent stated years ahead of its clock, naming the field, and records no consent', async () => {
    // Prepare: a customer who has a profile, and a producer whose clock says 2099.
    const store = new CustomerStore({ client: dynamo.client, tableName });
    await ingestEvent({ id: 'eb-3', 'detail-type': 'signed_up', source: 'web', time: new Date().toISOString(), detail: { customerId: 'c-003', profile: { timezone: 'UTC' } } });
    sqsMock.resetHistory();
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
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: deadLetterQueueUrl,
      MessageBody: JSON.stringify(event),
      MessageAttributes: expect.objectContaining({ reason: { DataType: 'String', StringValue: reason } }),
    });
    expect(await store.consentLedger('c-003')).toEqual([]);
  });

  it('dead-letters a profile change dated years ahead of its clock, naming time, and writes none of its profile fields or preferences', async () => {
    // Prepare: a customer who has a profile, and a producer whose clock says 2099.
    const store = new CustomerStore({ client: dynamo.client, tableName });
    await ingestEvent({ id: 'eb-5', 'detail-type': 'signed_up', source: 'web', time: new Date().toISOString(), detail: { customerId: 'c-004', profile: { timezone: 'UTC' } } });
    sqsMock.resetHistory();
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
    expect(sqsMock).toHaveReceivedCommandWith(SendMessageCommand, {
      QueueUrl: deadLetterQueueUrl,
      MessageBody: JSON.stringify(event),
      MessageAttributes: expect.objectContaining({ reason: { DataType: 'String', StringValue: reason } }),
    });
    const { profile, attributes } = await store.readEventState('c-004');
    expect(profile?.phone).toBeUndefined();
    expect([...attributes.keys()]).not.toContain('lastEvent.profile_changed');
    // A preference-centre save made now is not stale.
    expect(await store.putPreferences('c-004', { channels: ['email'] }, { at: new Date().toISOString() })).toBe('written');
  });
});
