import { applySesFeedback, SesEventFormatError, sesFeedbackOf } from '../../lib/feedback/ses-events';
import { decideDelivery } from '../../lib/permission';
import { CustomerStore } from '../../lib/store';
import { createCustomerTable, startDynalite, type DynaliteHarness } from '../support/dynalite';
import { aProfile, newCustomerId } from '../store/fixtures';

let dynamo: DynaliteHarness;
let store: CustomerStore;

beforeAll(async () => {
  dynamo = await startDynalite();
  store = new CustomerStore({ client: dynamo.client, tableName: await createCustomerTable(dynamo.client, 'feedback') });
});

afterAll(() => dynamo.stop());

/** The `detail` of an SES event as a configuration set publishes it to EventBridge. */
function sesEvent(customerId: string, eventType: 'Bounce' | 'Complaint' | 'Delivery', extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventType,
    mail: {
      timestamp: '2026-03-05T10:00:00.000Z',
      source: 'news@example.com',
      messageId: '0100018e-aaaa-bbbb-cccc-000000000001',
      destination: ['ana@example.com'],
      tags: { customer_id: [customerId], journey: ['welcome'], step: ['welcome-email'], topic: ['marketing'], 'ses:configuration-set': ['overture'] },
    },
    ...(eventType === 'Bounce'
      ? { bounce: { bounceType: 'Permanent', bounceSubType: 'General', timestamp: '2026-03-05T10:00:02.000Z', bouncedRecipients: [{ emailAddress: 'ana@example.com' }], feedbackId: 'f-1' } }
      : {}),
    ...(eventType === 'Complaint'
      ? { complaint: { timestamp: '2026-03-05T11:00:00.000Z', complaintFeedbackType: 'abuse', complainedRecipients: [{ emailAddress: 'ana@example.com' }], feedbackId: 'f-2' } }
      : {}),
    ...extra,
  };
}

async function subscribed(): Promise<string> {
  const customerId = newCustomerId('feedback');
  await store.putProfile(aProfile(customerId));
  await store.recordConsent(customerId, { channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T12:00:00Z', proof: { source: 'web-form' } });
  return customerId;
}

const marketingEmail = { topic: 'marketing', channels: ['email'] } as const;
const receipt = { topic: 'transactional', channels: ['email'] } as const;
const later = new Date('2026-03-06T15:00:00Z');

describe('SES feedback', () => {
  it('suppresses email after a hard bounce, for every topic', async () => {
    // Prepare
    const customerId = await subscribed();
    const feedback = sesFeedbackOf(sesEvent(customerId, 'Bounce'));
    if (feedback === undefined) throw new Error('the bounce was not read');
    // Act
    const outcome = await applySesFeedback(store, feedback);
    // Assess
    expect(outcome).toEqual({ suppression: 'added' });
    const snapshot = await store.requireSnapshot(customerId);
    expect(snapshot.suppressions).toEqual([{ channel: 'email', reason: 'hard_bounce', at: '2026-03-05T10:00:02.000Z' }]);
    expect(decideDelivery(snapshot, marketingEmail, later)).toMatchObject({ kind: 'skip', reason: 'suppressed' });
    expect(decideDelivery(snapshot, receipt, later)).toMatchObject({ kind: 'skip', reason: 'suppressed' });
  });

  it('suppresses email and records the withdrawal of the topic after a complaint, with the message id as proof', async () => {
    // Prepare
    const customerId = await subscribed();
    const feedback = sesFeedbackOf(sesEvent(customerId, 'Complaint'));
    if (feedback === undefined) throw new Error('the complaint was not read');
    // Act
    await applySesFeedback(store, feedback);
    // Assess
    const ledger = await store.consentLedger(customerId);
    expect(ledger.at(-1)).toEqual({
      channel: 'email',
      topic: 'marketing',
      status: 'revoked',
      at: '2026-03-05T11:00:00.000Z',
      proof: { source: 'ses-complaint', messageId: '0100018e-aaaa-bbbb-cccc-000000000001' },
    });
    const snapshot = await store.requireSnapshot(customerId);
    expect(snapshot.suppressions.map((suppression) => suppression.reason)).toEqual(['complaint']);
  });

  it('writes nothing more when the same event arrives twice', async () => {
    // Prepare
    const customerId = await subscribed();
    const feedback = sesFeedbackOf(sesEvent(customerId, 'Complaint'));
    if (feedback === undefined) throw new Error('the complaint was not read');
    await applySesFeedback(store, feedback);
    // Act
    const again = await applySesFeedback(store, feedback);
    // Assess
    expect(again).toEqual({ suppression: 'kept_earlier', consent: { ledger: 'duplicate', state: 'unchanged' } });
  });

  it('changes nothing for a soft bounce', async () => {
    // Prepare
    const customerId = await subscribed();
    const detail = sesEvent(customerId, 'Bounce', { bounce: { bounceType: 'Transient', bounceSubType: 'MailboxFull', timestamp: '2026-03-05T10:00:02.000Z' } });
    const feedback = sesFeedbackOf(detail);
    if (feedback === undefined) throw new Error('the bounce was not read');
    // Act
    const outcome = await applySesFeedback(store, feedback);
    // Assess
    expect(feedback.kind).toBe('soft_bounce');
    expect(outcome).toEqual({});
  });

  it('writes nothing for a not-spam report: the recipient told the provider the message is wanted', async () => {
    // Prepare
    const customerId = await subscribed();
    const before = await store.requireSnapshot(customerId);
    const complaint = { timestamp: '2026-03-05T11:00:00.000Z', complaintFeedbackType: 'not-spam', complainedRecipients: [{ emailAddress: 'ana@example.com' }], feedbackId: 'f-3' };
    const feedback = sesFeedbackOf(sesEvent(customerId, 'Complaint', { complaint }));
    if (feedback === undefined) throw new Error('the report was not read');
    // Act
    const outcome = await applySesFeedback(store, feedback);
    // Assess
    expect(outcome).toEqual({});
    expect(await store.requireSnapshot(customerId)).toEqual(before);
    expect(decideDelivery(await store.requireSnapshot(customerId), marketingEmail, later)).toMatchObject({ kind: 'send', channel: 'email' });
  });

  it('suppresses email but withdraws nothing in the customer\'s name for mail SES held back by the account\'s suppression list', async () => {
    // Prepare: SES sent nothing; someone complained of mail to the address before
    const customerId = await subscribed();
    const complaint = { timestamp: '2026-03-05T11:00:00.000Z', complaintSubType: 'OnAccountSuppressionList', complainedRecipients: [{ emailAddress: 'ana@example.com' }], feedbackId: 'f-4' };
    const feedback = sesFeedbackOf(sesEvent(customerId, 'Complaint', { complaint }));
    if (feedback === undefined) throw new Error('the complaint was not read');
    const ledgerBefore = await store.consentLedger(customerId);
    // Act
    const outcome = await applySesFeedback(store, feedback);
    // Assess
    expect(outcome).toEqual({ suppression: 'added' });
    expect(await store.consentLedger(customerId)).toEqual(ledgerBefore);
    const snapshot = await store.requireSnapshot(customerId);
    expect(snapshot.suppressions).toEqual([{ channel: 'email', reason: 'account_suppressed', at: '2026-03-05T11:00:00.000Z' }]);
    expect(decideDelivery(snapshot, receipt, later)).toMatchObject({ kind: 'skip', reason: 'suppressed' });
  });

  it('does not suppress the address a customer moved to after a late hard bounce of the one they left', async () => {
    // Prepare: mail went to the old address; the customer then changed it; the bounce arrives after.
    const customerId = await subscribed();
    await store.putProfile(aProfile(customerId, { email: 'ana.new@example.com', updatedAt: '2026-03-04T09:00:00Z' }));
    const feedback = sesFeedbackOf(sesEvent(customerId, 'Bounce'));
    if (feedback === undefined) throw new Error('the bounce was not read');
    // Act
    const outcome = await applySesFeedback(store, feedback);
    // Assess
    expect(outcome).toEqual({ suppression: 'other_address' });
    const snapshot = await store.requireSnapshot(customerId);
    expect(snapshot.suppressions).toEqual([]);
    expect(decideDelivery(snapshot, marketingEmail, later)).toMatchObject({ kind: 'send', channel: 'email' });
  });

  it('withdraws the topic but suppresses nothing after a late complaint about an address the customer left', async () => {
    // Prepare
    const customerId = await subscribed();
    await store.putProfile(aProfile(customerId, { email: 'ana.new@example.com', updatedAt: '2026-03-04T09:00:00Z' }));
    const feedback = sesFeedbackOf(sesEvent(customerId, 'Complaint'));
    if (feedback === undefined) throw new Error('the complaint was not read');
    // Act
    const outcome = await applySesFeedback(store, feedback);
    // Assess
    expect(outcome).toEqual({ suppression: 'other_address', consent: { ledger: 'appended', state: 'updated' } });
    const snapshot = await store.requireSnapshot(customerId);
    expect(snapshot.suppressions).toEqual([]);
    expect(decideDelivery(snapshot, receipt, later)).toMatchObject({ kind: 'send', channel: 'email' });
    expect(decideDelivery(snapshot, marketingEmail, later)).toMatchObject({ kind: 'skip' });
  });

  it('suppresses the current address when SES names it in other case and with spaces around it', async () => {
    // Prepare
    const customerId = await subscribed();
    const bounce = { bounceType: 'Permanent', timestamp: '2026-03-05T10:00:02.000Z', bouncedRecipients: [{ emailAddress: ' Ana@Example.COM ' }] };
    const feedback = sesFeedbackOf(sesEvent(customerId, 'Bounce', { bounce }));
    if (feedback === undefined) throw new Error('the bounce was not read');
    // Act
    const outcome = await applySesFeedback(store, feedback);
    // Assess
    expect(outcome).toEqual({ suppression: 'added' });
  });

  it('takes a complaint whose sub-type SES gives as null for the customer\'s complaint', () => {
    // Act
    const complaint = { timestamp: '2026-03-05T11:00:00.000Z', complaintFeedbackType: 'abuse', complaintSubType: null, feedbackId: 'f-5' };
    const feedback = sesFeedbackOf(sesEvent('c-1', 'Complaint', { complaint }));
    // Assess
    expect(feedback?.kind).toBe('complaint');
  });

  it('ignores deliveries and mail Overture did not send', () => {
    // Act
    const delivery = sesFeedbackOf(sesEvent('c-1', 'Delivery'));
    const foreign = sesFeedbackOf({ ...sesEvent('c-1', 'Bounce'), mail: { timestamp: '2026-03-05T10:00:00Z', messageId: 'm', tags: {} } });
    // Assess
    expect(delivery).toBeUndefined();
    expect(foreign).toBeUndefined();
  });

  it('refuses a malformed bounce naming the field', () => {
    // Act
    const read = () => sesFeedbackOf({ ...sesEvent('c-1', 'Bounce'), bounce: { bounceType: 'Sideways', timestamp: 'yesterday' } });
    // Assess
    expect(read).toThrow(SesEventFormatError);
    expect(read).toThrow('bounce.bounceType');
  });
});
