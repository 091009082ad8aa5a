import { LocalSmsOutbox, type OutboxSms } from '../../lib/channels';
import { decideDelivery } from '../../lib/permission';
import { CustomerStore } from '../../lib/store/customer-store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { partitionItems } from '../store/fixtures';
import { SHARED_NUMBER_SENDER_ID, UNKNOWN_SENDER_ID } from '../../lib/sms-keywords/reply-tags';
import { useLambdaEnvironment } from '../support/lambda-environment';
import { stdoutOfAsync } from '../support/stdout';

const NOON_NEW_YORK = new Date('2026-03-06T17:00:00Z');

let dynamo: DynaliteHarness;
let tableName: string;
let store: CustomerStore;
let restoreEnvironment: () => void;
let handleFeedback: typeof import('../../functions/feedback/index').handleFeedback;
let customerSequence = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
  tableName = await createCustomerTable(dynamo.client, 'sms-feedback');
  store = new CustomerStore({ client: dynamo.client, tableName });
  restoreEnvironment = useLambdaEnvironment({
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    CUSTOMER_TABLE_NAME: tableName,
    // On, so the failure counts the alarms read can be seen (EMF lines on stdout).
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_METRICS_NAMESPACE: 'OvertureTest',
  });
  ({ handleFeedback } = await import('../../functions/feedback/index'));
});

afterAll(async () => {
  restoreEnvironment();
  await dynamo.stop();
});

/** A customer in New York with an email address and a phone, who granted marketing on both. */
async function enrolledCustomer(): Promise<string> {
  customerSequence += 1;
  const customerId = `s-${customerSequence}`;
  await store.putProfile({
    customerId,
    stage: 'active',
    timezone: 'America/New_York',
    email: `customer${customerSequence}@example.com`,
    phone: '+12125550143',
    updatedAt: '2026-03-01T12:00:00Z',
  });
  for (const channel of ['email', 'sms'] as const) {
    await store.recordConsent(customerId, {
      channel,
      topic: 'marketing',
      status: 'granted',
      at: '2026-03-01T12:00:00Z',
      proof: { source: 'web-form', consentTextVersion: 'v3' },
    });
  }
  return customerId;
}

/** Sends a welcome text the way the send path does, capturing the exact SendTextMessage input. */
async function textTo(customerId: string): Promise<OutboxSms> {
  const outbox = new LocalSmsOutbox({ originationIdentity: 'pool-test', configurationSetName: 'overture-test' }, { newMessageId: () => `sms-${customerId}` });
  await outbox.send({ to: '+12125550143', customerId, journey: 'welcome', step: 'welcome-sms', topic: 'marketing', body: 'Welcome!' });
  const [sent] = outbox.messages();
  if (!sent) throw new Error('the outbox recorded no text');
  return sent;
}

/** The SNS event the configuration set's SNS destination produces for one event of `text`. */
function snsEventFor(text: OutboxSms, eventType: string, eventTimestamp = Date.parse('2026-03-06T00:00:04Z')): Record<string, unknown> {
  const record = {
    eventType,
    eventVersion: '1.0',
    eventTimestamp,
    isFinal: true,
    originationPhoneNumber: '+12065550152',
    destinationPhoneNumber: text.input.DestinationPhoneNumber,
    messageId: text.messageId,
    messageType: text.input.MessageType,
    context: text.input.Context,
    totalMessageParts: 1,
  };
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        Sns: { Type: 'Notification', MessageId: 'sns-1', Message: JSON.stringify(record), Timestamp: '2026-03-06T00:00:05.000Z' },
      },
    ],
  };
}

describe('feedback function: SMS failure events', () => {
  it('suppresses SMS after a permanent failure of an Overture text; the gate then skips SMS as suppressed while email still goes', async () => {
    // Prepare
    const customerId = await enrolledCustomer();
    const text = await textTo(customerId);

    // Act
    const result = await handleFeedback(snsEventFor(text, 'TEXT_INVALID'));

    // Assess
    expect(result).toEqual([
      { status: 'applied', kind: 'sms_permanent', eventType: 'TEXT_INVALID', suppression: 'added', consent: { ledger: 'appended', state: 'updated' } },
    ]);
    const snapshot = await store.requireSnapshot(customerId);
    expect(snapshot.suppressions).toEqual([{ channel: 'sms', reason: 'sms_invalid_number', at: '2026-03-06T00:00:04.000Z' }]);
    expect((await store.consentLedger(customerId)).at(-1)).toEqual({
      channel: 'sms',
      topic: 'marketing',
      status: 'revoked',
      at: '2026-03-06T00:00:04.000Z',
      proof: { source: 'sms-event:TEXT_INVALID', messageId: `sms-${customerId}` },
    });
    expect(decideDelivery(snapshot, { topic: 'marketing', channels: ['sms'] }, NOON_NEW_YORK)).toMatchObject({ kind: 'skip', reason: 'suppressed' });
    expect(decideDelivery(snapshot, { topic: 'transactional', channels: ['sms'] }, NOON_NEW_YORK)).toMatchObject({ kind: 'skip', reason: 'suppressed' });
    expect(decideDelivery(snapshot, { topic: 'marketing', channels: ['sms', 'email'] }, NOON_NEW_YORK)).toMatchObject({
      kind: 'send',
      channel: 'email',
      evaluations: [
        { channel: 'sms', verdict: 'blocked', reason: 'suppressed' },
        { channel: 'email', verdict: 'chosen' },
      ],
    });
  });

  it('writes nothing new when the same event is delivered again', async () => {
    // Prepare
    const customerId = await enrolledCustomer();
    const event = snsEventFor(await textTo(customerId), 'TEXT_BLOCKED');
    await handleFeedback(event);
    const before = await partitionItems(dynamo.client, tableName, customerId);

    // Act
    const replayed = await handleFeedback(event);

    // Assess
    expect(replayed).toEqual([
      { status: 'applied', kind: 'sms_permanent', eventType: 'TEXT_BLOCKED', suppression: 'kept_earlier', consent: { ledger: 'duplicate', state: 'unchanged' } },
    ]);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it.each(['TEXT_TTL_EXPIRED', 'TEXT_CARRIER_UNREACHABLE', 'TEXT_SPAM'])('changes nothing after %s: the number may still work', async (eventType) => {
    // Prepare
    const customerId = await enrolledCustomer();
    const event = snsEventFor(await textTo(customerId), eventType);
    const before = await partitionItems(dynamo.client, tableName, customerId);

    // Act
    const result = await handleFeedback(event);

    // Assess
    expect(result).toEqual([{ status: 'applied', kind: eventType === 'TEXT_SPAM' ? 'sms_sender' : 'sms_transient', eventType }]);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
    const snapshot = await store.requireSnapshot(customerId);
    expect(decideDelivery(snapshot, { topic: 'marketing', channels: ['sms'] }, NOON_NEW_YORK)).toMatchObject({ kind: 'send', channel: 'sms' });
  });

  it('writes nothing after a late permanent failure of a text to a number the customer has since left', async () => {
    // Prepare: the text went to the old number; the customer then moved to a new one and confirmed it.
    const customerId = await enrolledCustomer();
    const text = await textTo(customerId);
    await store.putProfile({ customerId, stage: 'active', timezone: 'America/New_York', phone: '+12125550188', updatedAt: '2026-03-04T09:00:00Z' });
    await store.recordConsent(customerId, {
      channel: 'sms', topic: 'marketing', status: 'granted', at: '2026-03-04T09:05:00Z', proof: { source: 'sms-keyword:YES', phone: '+12125550188' },
    });
    const ledgerBefore = await store.consentLedger(customerId);

    // Act
    const result = await handleFeedback(snsEventFor(text, 'TEXT_INVALID', Date.parse('2026-03-05T10:00:00Z')));

    // Assess
    expect(result).toEqual([{ status: 'applied', kind: 'sms_permanent', eventType: 'TEXT_INVALID', suppression: 'other_address' }]);
    const snapshot = await store.requireSnapshot(customerId);
    expect(snapshot.suppressions).toEqual([]);
    expect(await store.consentLedger(customerId)).toEqual(ledgerBefore);
    expect(decideDelivery(snapshot, { topic: 'marketing', channels: ['sms'] }, NOON_NEW_YORK)).toMatchObject({ kind: 'send', channel: 'sms' });
  });

  it('ignores events of texts that carry no Overture customer id', async () => {
    // Prepare
    const customerId = await enrolledCustomer();
    const text = await textTo(customerId);
    const foreign: OutboxSms = { ...text, input: { ...text.input, Context: { campaign: 'someone-else' } } };

    // Act
    const result = await handleFeedback(snsEventFor(foreign, 'TEXT_INVALID'));

    // Assess
    expect(result).toEqual([{ status: 'ignored' }]);
    expect((await store.requireSnapshot(customerId)).suppressions).toEqual([]);
  });

  it.each([UNKNOWN_SENDER_ID, SHARED_NUMBER_SENDER_ID])('counts a failed answer tagged %s as an SMS failure by type, and writes nothing', async (tag) => {
    // Prepare: the HELP answer to a number no one customer holds, filtered by the carrier
    const customerId = await enrolledCustomer();
    const text = await textTo(customerId);
    const answer: OutboxSms = { ...text, input: { ...text.input, Context: { customer_id: tag, topic: 'transactional' } } };
    const before = await partitionItems(dynamo.client, tableName, customerId);

    // Act
    const { result, written } = await stdoutOfAsync(() => handleFeedback(snsEventFor(answer, 'TEXT_SPAM')));

    // Assess
    expect(result).toEqual([{ status: 'answer_to_no_customer', eventType: 'TEXT_SPAM' }]);
    const counted = written.split('\n').filter((line) => line.includes('"sms_failure"'));
    expect(counted.map((line) => (JSON.parse(line) as Record<string, unknown>).eventType)).toEqual(['TEXT_SPAM']);
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it('throws on a malformed failure event, writing nothing, so it lands in the dead-letter queue', async () => {
    // Prepare
    const customerId = await enrolledCustomer();
    const event = snsEventFor(await textTo(customerId), 'TEXT_INVALID', Number.NaN);
    const before = await partitionItems(dynamo.client, tableName, customerId);

    // Act
    const applying = handleFeedback(event);

    // Assess
    await expect(applying).rejects.toMatchObject({ name: 'SmsEventFormatError', fields: ['eventTimestamp'] });
    expect(await partitionItems(dynamo.client, tableName, customerId)).toEqual(before);
  });

  it('still applies SES events from EventBridge', async () => {
    // Prepare
    const customerId = await enrolledCustomer();

    // Act
    const result = await handleFeedback({
      version: '0',
      'detail-type': 'Email Bounced',
      source: 'aws.ses',
      detail: {
        eventType: 'Bounce',
        mail: { messageId: 'ses-1', timestamp: '2026-03-06T00:00:00Z', tags: { customer_id: [customerId], topic: ['marketing'] } },
        bounce: { bounceType: 'Permanent', timestamp: '2026-03-06T00:00:04Z' },
      },
    });

    // Assess
    expect(result).toEqual({ status: 'applied', kind: 'hard_bounce', suppression: 'added' });
    const snapshot = await store.requireSnapshot(customerId);
    expect(decideDelivery(snapshot, { topic: 'marketing', channels: ['email', 'sms'] }, NOON_NEW_YORK)).toMatchObject({ kind: 'send', channel: 'sms' });
  });
});
