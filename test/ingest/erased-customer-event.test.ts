/**
 * The ingest Lambda entry and an event for a customer erased since it was sent (an EventBridge
 * retry, a replay of the bus's archive), on dynalite and the dead-letter queue (fauxqs).
 */
import type { Message } from '@aws-sdk/client-sqs';
import { journeyRoutesVariable } from '../../lib/ingest/journey-routes';
import { eraseCustomer } from '../../lib/store/erase-customer';
import { CustomerStore } from '../../lib/store/customer-store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { resolveLocalhostNames, startFauxqs, type Fauxqs } from '../support/fauxqs';
import { useLambdaEnvironment } from '../support/lambda-environment';

let dynamo: DynaliteHarness;
let fauxqs: Fauxqs;
let deadLetterQueueUrl: string;
let tableName: string;
let restoreEnvironment: () => void;
let restoreResolver: () => void;
let ingestEvent: typeof import('../../functions/ingest/index').ingestEvent;

beforeAll(async () => {
  [dynamo, fauxqs] = await Promise.all([startDynalite(), startFauxqs()]);
  tableName = await createCustomerTable(dynamo.client, 'erased-event');
  deadLetterQueueUrl = await fauxqs.createQueue('ingest-dead-letters-erased');
  restoreResolver = resolveLocalhostNames();
  restoreEnvironment = useLambdaEnvironment({
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SQS: fauxqs.endpoint,
    // No route starts on these events: Step Functions is never called.
    AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:9',
    CUSTOMER_TABLE_NAME: tableName,
    JOURNEY_ROUTES: journeyRoutesVariable([]),
    JOURNEY_STATE_MACHINE_ARN_PREFIX: 'arn:aws:states:us-east-1:111122223333:stateMachine:',
    DEAD_LETTER_QUEUE_URL: deadLetterQueueUrl,
  });
  ({ ingestEvent } = await import('../../functions/ingest/index'));
});
afterAll(async () => {
  restoreEnvironment();
  restoreResolver();
  await Promise.all([fauxqs.stop(), dynamo.stop()]);
});

describe('ingest function, a customer erased since the event was sent', () => {
  it('dead-letters the event with the reason erased_customer and ids only, writes nothing back, and returns so it is not retried', async () => {
    // Prepare: a customer with a profile and an SMS consent, erased.
    const store = new CustomerStore({ client: dynamo.client, tableName });
    const signUp = { id: 'eb-e1', 'detail-type': 'signed_up', source: 'web', time: '2026-03-01T10:00:00Z', detail: { customerId: 'c-erased', profile: { timezone: 'UTC', phone: '+12125550190' } } };
    expect(await ingestEvent(signUp)).toMatchObject({ status: 'ingested', profile: 'created' });
    await eraseCustomer({ client: dynamo.client, tableName }, 'c-erased', { now: new Date('2026-03-03T00:00:00Z') });
    const late = {
      id: 'eb-e2',
      'detail-type': 'consent_changed',
      source: 'crm',
      time: '2026-03-02T08:30:00Z',
      detail: { customerId: 'c-erased', consents: [{ channel: 'sms', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync', phone: '+12125550190' } }] },
    };

    // Act
    const result = await ingestEvent(late);

    // Assess
    expect(result).toEqual({ status: 'rejected', reason: 'erased_customer' });
    const messages: Message[] = await fauxqs.receiveAll(deadLetterQueueUrl);
    expect(messages.map((message) => ({ body: message.Body, reason: message.MessageAttributes?.reason?.StringValue, customerId: message.MessageAttributes?.customerId?.StringValue }))).toEqual([
      { body: JSON.stringify(late), reason: 'erased_customer', customerId: 'c-erased' },
    ]);
    expect(await store.consentLedger('c-erased')).toEqual([]);
    expect(await store.attributeHistory('c-erased', 'lastEvent.consent_changed')).toEqual([]);
  });
});
