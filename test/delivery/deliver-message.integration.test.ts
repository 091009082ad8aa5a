import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import {
  LocalSmsOutbox,
  PROVIDER_CLIENT_CONFIG,
  ProviderThrottledError,
  SesEmailSender,
  SqsDirectMailSender,
} from '../../lib/channels';
import type { Profile } from '../../lib/customer/model';
import { deliverMessage, idempotencyKeyOf, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import { CustomerStore } from '../../lib/store';
import { loadTemplateCatalog } from '../../lib/templates';
import { tokenFromUrl, verifyToken } from '../../lib/unsubscribe';
import { createCustomerTable, countRequests, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { startFauxqs, type Fauxqs } from '../support/fauxqs';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy';
import { startSesLocal, type SesLocal } from '../support/ses-local';
import { emailsTo as emailsToCustomer, welcomeStep } from '../support/send-steps';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

const SECRET = 'integration-test-link-signing-secret-0123456789';
const NOON = new Date('2026-03-02T17:00:00Z'); // 12:00 in New York

let dynamo: DynaliteHarness;
let ses: SesLocal;
let sqs: Fauxqs;
let proxy: FaultProxy;
let store: CustomerStore;
let queueUrl: string;
let sms: LocalSmsOutbox;
let ports: DeliveryPorts;
let customerSequence = 0;

beforeAll(async () => {
  [dynamo, ses, sqs] = await Promise.all([startDynalite(), startSesLocal(), startFauxqs()]);
  proxy = await startFaultProxy(ses.endpoint);
  store = new CustomerStore({ client: dynamo.client, tableName: await createCustomerTable(dynamo.client, 'delivery') });
  queueUrl = await sqs.createQueue('direct-mail');
  const sesThroughProxy = new SESv2Client({
    ...PROVIDER_CLIENT_CONFIG,
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  sms = new LocalSmsOutbox({ originationIdentity: 'pool-test', configurationSetName: 'overture-test' });
  ports = {
    store,
    templates: loadTemplateCatalog('workflows/templates'),
    links: { baseUrl: 'https://preferences.example.com', secret: SECRET },
    senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS,
    senders: {
      email: new SesEmailSender(sesThroughProxy, { fromEmailAddress: 'journeys@example.com', configurationSetName: 'overture-test' }),
      sms,
      mail: new SqsDirectMailSender(sqs.sqs, { queueUrl }),
    },
    now: () => NOON,
  };
});

afterAll(async () => {
  await Promise.all([dynamo.stop(), ses.stop(), sqs.stop(), proxy.stop()]);
});

beforeEach(() => ses.clear());

/** A customer in New York who granted marketing on every channel the day before. */
async function enrolledCustomer(profile: Partial<Profile> = {}): Promise<string> {
  customerSequence += 1;
  const customerId = `d-${customerSequence}`;
  await store.putProfile({
    customerId,
    stage: 'prospect',
    timezone: 'America/New_York',
    email: `customer${customerSequence}@example.com`,
    phone: '+12125550143',
    address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' },
    updatedAt: '2026-03-01T12:00:00Z',
    ...profile,
  });
  for (const channel of ['email', 'sms', 'mail'] as const) {
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

const step = welcomeStep;

function emailsTo(customerId: string): Promise<number> {
  return emailsToCustomer(store, ses, customerId);
}

describe('deliverMessage on the local emulators', () => {
  it('sends one marketing email whose MIME has both parts and both RFC 8058 headers, with a token that verifies', async () => {
    // Prepare
    const customerId = await enrolledCustomer();

    // Act
    const outcome = await deliverMessage(ports, step(customerId));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email', replayed: false });
    const [stored] = await ses.messages();
    expect(stored).toBeDefined();
    const mime = await simpleParser(await ses.rawMessage(stored?.messageId ?? ''));
    expect(mime.html).toContain('Thank you for signing up');
    expect(mime.text).toContain('Thank you for signing up');
    const headerLines = new Map(mime.headerLines.map((line) => [line.key, line.line.replace(/\r?\n[ \t]+/g, ' ')]));
    expect(headerLines.get('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const url = /^List-Unsubscribe: <(https:\/\/[^>]+)>$/.exec(headerLines.get('list-unsubscribe') ?? '')?.[1] ?? '';
    expect(verifyToken(tokenFromUrl(url), SECRET, { now: NOON, purpose: 'unsubscribe' })).toMatchObject({
      customerId,
      channel: 'email',
      topic: 'marketing',
    });
    expect(await store.getSendEntry(customerId, idempotencyKeyOf(step(customerId).execution, 'welcome-email'))).toMatchObject({
      status: 'sent',
      providerMessageId: stored?.messageId,
    });
  });

  it('sends a text to the SMS outbox with the opt-out instruction', async () => {
    const customerId = await enrolledCustomer();

    const outcome = await deliverMessage(ports, step(customerId, ['sms'], { step: 'welcome-sms' }));

    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'sms' });
    const text = sms.messages().find((message) => message.input.Context?.customer_id === customerId);
    expect(text?.input).toMatchObject({ DestinationPhoneNumber: '+12125550143', MessageType: 'PROMOTIONAL' });
    expect(text?.input.MessageBody).toMatch(/Reply STOP to opt out$/);
  });

  it('puts one letter on the direct-mail queue with the address, merge fields and idempotency key', async () => {
    const customerId = await enrolledCustomer();
    const request = step(customerId, ['mail'], { step: 'welcome-letter' });

    const outcome = await deliverMessage(ports, request);

    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'mail' });
    const letters = (await sqs.receiveAll(queueUrl)).map((message) => JSON.parse(message.Body ?? '{}') as Record<string, unknown>);
    expect(letters).toEqual([
      expect.objectContaining({
        customerId,
        templateId: 'welcome',
        printTemplate: 'welcome-postcard-v1',
        address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' },
        idempotencyKey: idempotencyKeyOf(request.execution, 'welcome-letter'),
      }),
    ]);
  });

  it('sends nothing and records the skip when consent was revoked between enrolment and send', async () => {
    // Prepare
    const customerId = await enrolledCustomer();
    await store.recordConsent(customerId, {
      channel: 'email',
      topic: 'marketing',
      status: 'revoked',
      at: '2026-03-02T08:30:00Z',
      proof: { source: 'one-click-unsubscribe' },
    });

    // Act
    const outcome = await deliverMessage(ports, step(customerId));

    // Assess
    expect(outcome).toEqual({ outcome: 'skipped', reason: 'no_consent' });
    expect(await emailsTo(customerId)).toBe(0);
    expect(await store.decisions(customerId)).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason: 'no_consent', step: 'welcome-email' }),
    ]);
  });

  it('sends one email when the same step runs twice in a row', async () => {
    const customerId = await enrolledCustomer();

    const first = await deliverMessage(ports, step(customerId));
    const second = await deliverMessage(ports, step(customerId));

    expect(first).toMatchObject({ outcome: 'sent', replayed: false });
    expect(second).toMatchObject({ outcome: 'sent', replayed: true });
    expect(await emailsTo(customerId)).toBe(1);
  });

  it('sends one email when the same step runs twice at the same moment', async () => {
    const customerId = await enrolledCustomer();

    const outcomes = await Promise.all([deliverMessage(ports, step(customerId)), deliverMessage(ports, step(customerId))]);

    expect(await emailsTo(customerId)).toBe(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'sent' && !outcome.replayed)).toHaveLength(1);
  });

  it('sends a step at most once however often it runs, in a row or at once, for a marketing or a transactional topic', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('marketing', 'transactional'), fc.integer({ min: 1, max: 4 }), fc.boolean(), async (topic, runs, atOnce) => {
        // Prepare
        const customerId = await enrolledCustomer();
        await store.recordConsent(customerId, { channel: 'email', topic, status: 'granted', at: '2026-03-01T12:00:00Z', proof: { source: 'web-form' } });
        const payload = step(customerId, ['email'], { topic });
        const runOnce = () => deliverMessage(ports, payload);

        // Act
        const outcomes = atOnce ? await Promise.all(Array.from({ length: runs }, runOnce)) : [];
        for (let run = 0; !atOnce && run < runs; run += 1) outcomes.push(await runOnce());

        // Assess
        expect(outcomes.filter((outcome) => outcome.outcome === 'sent' && !outcome.replayed)).toHaveLength(1);
        expect(await emailsTo(customerId)).toBe(1);
      }),
      { numRuns: 20 },
    );
  });

  it('answers a transactional step run again after its message went out from the ledger, not with a skip for a suppression since', async () => {
    // Prepare: a transactional email goes out; then a hard bounce of an earlier message suppresses
    // email, and Step Functions runs the Task again (the Lambda's answer was lost).
    const customerId = await enrolledCustomer();
    await store.recordConsent(customerId, { channel: 'email', topic: 'transactional', status: 'granted', at: '2026-03-01T12:00:00Z', proof: { source: 'web-form' } });
    const payload = step(customerId, ['email'], { topic: 'transactional' });
    expect(await deliverMessage(ports, payload)).toMatchObject({ outcome: 'sent', replayed: false });
    await store.addSuppression(customerId, { channel: 'email', reason: 'hard_bounce', at: new Date(NOON.getTime() + 500).toISOString() });

    // Act
    const again = await deliverMessage({ ...ports, now: () => new Date(NOON.getTime() + 1000) }, payload);

    // Assess: the step went out once and says so; no skip is recorded beside the message.
    expect(again).toMatchObject({ outcome: 'sent', channel: 'email', replayed: true });
    expect(await emailsTo(customerId)).toBe(1);
    expect((await store.decisions(customerId)).filter((decision) => decision.outcome === 'skipped')).toEqual([]);
  });

  it('sends nothing on the retry when the process died after SES accepted and before the ledger update', async () => {
    // Prepare: a store whose markSent never happens, as when the Lambda is killed at that moment
    const customerId = await enrolledCustomer();
    const dying = Object.create(store) as CustomerStore;
    dying.markSent = () => Promise.reject(new Error('Runtime exited'));
    await expect(deliverMessage({ ...ports, store: dying }, step(customerId))).rejects.toThrow('Runtime exited');

    // Act
    const retry = await deliverMessage(ports, step(customerId));

    // Assess
    expect(retry).toEqual({ outcome: 'unknown', channel: 'email' });
    expect(await emailsTo(customerId)).toBe(1);
  });

  it('records an unknown outcome and never resends when the connection drops after SES accepted', async () => {
    const customerId = await enrolledCustomer();
    proxy.inject('drop-after-accept');

    const first = await deliverMessage(ports, step(customerId));
    const retry = await deliverMessage(ports, step(customerId));

    expect(first).toEqual({ outcome: 'unknown', channel: 'email' });
    expect(retry).toEqual({ outcome: 'unknown', channel: 'email' });
    expect(await emailsTo(customerId)).toBe(1);
  });

  it('sends a follow-up only when a step it follows reached the provider, or may have', async () => {
    // Prepare: the welcome email sent, its connection dropped after SES accepted it (unknown), refused by SES, or never run
    const followUp = (customerId: string): ReturnType<typeof step> =>
      step(customerId, ['email'], { step: 'tips-email', templateId: 'tips', followUpOf: ['welcome-email'] });
    const [sent, unknown, refused, neverRan] = [await enrolledCustomer(), await enrolledCustomer(), await enrolledCustomer(), await enrolledCustomer()];
    await deliverMessage(ports, step(sent));
    proxy.inject('drop-after-accept');
    await deliverMessage(ports, step(unknown));
    proxy.inject('reject-unverified-recipient');
    await deliverMessage(ports, step(refused));

    // Act
    const outcomes = await Promise.all([sent, unknown, refused, neverRan].map((customerId) => deliverMessage(ports, followUp(customerId))));

    // Assess
    expect(outcomes.map((outcome) => (outcome.outcome === 'skipped' ? outcome.reason : outcome.outcome))).toEqual([
      'sent',
      'sent',
      'nothing_to_follow_up',
      'nothing_to_follow_up',
    ]);
    expect(await Promise.all([sent, unknown, refused, neverRan].map((customerId) => emailsTo(customerId)))).toEqual([2, 2, 0, 0]);
  });

  it('raises ProviderThrottledError for the Step Functions retry, then sends exactly one email', async () => {
    const customerId = await enrolledCustomer();
    proxy.inject('throttle');

    await expect(deliverMessage(ports, step(customerId))).rejects.toBeInstanceOf(ProviderThrottledError);
    const retry = await deliverMessage(ports, step(customerId));

    expect(retry).toMatchObject({ outcome: 'sent', replayed: false });
    expect(await emailsTo(customerId)).toBe(1);
  });

  it('answers a retry of a text the adapter refused as invalid with the same reason, not as a provider rejection', async () => {
    // Prepare: a tier that makes the rewards text longer than a text may be, so the adapter refuses it
    // (a first name no longer can: a text leaves out one that does not fit)
    const customerId = await enrolledCustomer();
    await store.setAttributes(customerId, { tier: 'A'.repeat(1600) }, { at: '2026-03-01T12:00:00Z' });
    const text = step(customerId, ['sms'], { step: 'overlong-sms', templateId: 'loyalty-rewards' });
    const first = await deliverMessage(ports, text);

    // Act: the same step again, as after a lost Lambda response or a redrive
    const retry = await deliverMessage(ports, text);

    // Assess
    expect(first).toEqual({ outcome: 'failed', channel: 'sms', reason: 'message_invalid' });
    expect(retry).toEqual(first);
    expect(sms.messages().filter((message) => message.input.Context?.customer_id === customerId)).toHaveLength(0);
  });

  it('makes four DynamoDB requests for a sent message: the snapshot, the deciding records read together, the reservation and the sent mark', async () => {
    const customerId = await enrolledCustomer();
    const counter = countRequests(dynamo.client);

    await deliverMessage(ports, step(customerId));

    counter.detach();
    expect(counter.commands).toEqual(['QueryCommand', 'TransactGetItemsCommand', 'TransactWriteItemsCommand', 'UpdateItemCommand']);
  });

  it('defers a marketing SMS at night to 08:00 New York time and records why', async () => {
    const customerId = await enrolledCustomer();
    const night = new Date('2026-03-03T03:00:00Z'); // 22:00 in New York

    const outcome = await deliverMessage({ ...ports, now: () => night }, step(customerId, ['sms'], { step: 'night-sms' }));

    expect(outcome).toEqual({ outcome: 'deferred', channel: 'sms', until: '2026-03-03T13:00:00.000Z', reason: 'sms_legal_hours' });
    expect(sms.messages().filter((message) => message.input.Context?.customer_id === customerId)).toHaveLength(0);
  });

  it('skips an unknown customer without writing a send-ledger entry', async () => {
    const outcome = await deliverMessage(ports, step('nobody-here'));

    expect(outcome).toEqual({ outcome: 'skipped', reason: 'unknown_customer' });
    expect(await store.getSendEntry('nobody-here', idempotencyKeyOf(step('nobody-here').execution, 'welcome-email'))).toBeUndefined();
  });
});
