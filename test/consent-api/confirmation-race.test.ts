/**
 * A consent-API confirmation racing a change of the customer's address, number or suppressions:
 * the request reads the customer once, at its start, and the confirmation must still go only where
 * the customer can be reached when it is handed to the provider (dynalite, ses-local, the local
 * SMS outbox). The change is written right after that first read, as an ingested event or the SES
 * feedback function would write it.
 */
import { captureConsent } from '../../lib/consent-api/capture-consent';
import { DEFAULT_TOPIC_OFFERS } from '../../lib/consent-api/dependencies';
import { applyPreferenceForm } from '../../lib/consent-api/preference-centre';
import { consentCaptureRequestSchema, PreferenceFormSchema } from '../../lib/consent-api/requests';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, changedAfterFirstRead, startConsentApiHarness, type ConsentApiHarness } from './harness';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness({ start: '2026-03-10T15:00:00Z' });
});

afterAll(() => api.stop());

beforeEach(async () => {
  api.clock.set('2026-03-10T15:00:00Z');
  await api.ses.clear();
  await api.forgetConfirmationBudgets();
});

async function emailRecipients(): Promise<string[]> {
  return (await api.ses.messages()).flatMap((message) => message.destination.to);
}

const tickEmail = PreferenceFormSchema.parse({ action: 'save', channel1: 'email', consent: ['email:marketing'] });
const tickSms = PreferenceFormSchema.parse({ action: 'save', channel1: 'sms', consent: ['sms:marketing'] });
const origin = { ip: '203.0.113.9' };

describe('a preference-centre save whose confirmation races a change of the customer', () => {
  it('sends no confirmation to the address the profile left between the read and the send, and the next tick asks the new one', async () => {
    // Prepare: a link that came by SMS ticks email (so the tick asks the mailbox); an event then moves the address.
    const customerId = newCustomerId('race');
    await api.store.putProfile(aProfile(customerId, { email: 'old@example.com' }));
    const deps = changedAfterFirstRead(api, (store, id) => store.updateProfile(id, { email: 'new@example.com' }, '2026-03-10T15:00:00.500Z'));
    const token = api.token(customerId, 'preferences', { channel: 'sms', topic: 'marketing' });
    // Act
    const outcome = await applyPreferenceForm(deps, token, tickEmail, origin);
    // Assess: told as sent (the page reveals nothing), nothing mailed to the old address.
    expect(outcome).toMatchObject({ kind: 'saved', email: 'sent' });
    expect(await emailRecipients()).toEqual([]);
    // The request on file names the old address, so it no longer counts as asked: a new save asks the new one.
    api.clock.set('2026-03-10T15:05:00Z');
    await applyPreferenceForm(api.deps, token, tickEmail, origin);
    expect(await emailRecipients()).toEqual(['new@example.com']);
  });

  it('sends no confirmation to an address that hard-bounced between the read and the send, and tells it as sent', async () => {
    // Prepare: SES's hard bounce for the address is recorded just after the save read the customer.
    const customerId = newCustomerId('race');
    await api.store.putProfile(aProfile(customerId, { email: 'bounced@example.com' }));
    const deps = changedAfterFirstRead(api, (store, id) => store.addSuppression(id, { channel: 'email', reason: 'hard_bounce', at: '2026-03-10T14:59:59.000Z' }));
    // Act
    const outcome = await applyPreferenceForm(deps, api.token(customerId, 'preferences', { channel: 'sms', topic: 'marketing' }), tickEmail, origin);
    // Assess: the request stays recorded as pending, and nothing is mailed.
    expect(outcome).toMatchObject({ kind: 'saved', email: 'sent' });
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.suppressions.map((suppression) => suppression.channel)).toEqual(['email']);
    expect(snapshot.consents.find((consent) => consent.channel === 'email')?.status).toBe('pending');
    expect(await emailRecipients()).toEqual([]);
  });

  it('texts no confirmation to the number the profile left between the read and the send', async () => {
    // Prepare: a link that came by email ticks SMS (so the tick texts the number); an event then moves the number.
    const customerId = newCustomerId('race');
    await api.store.putProfile(aProfile(customerId, { phone: '+12125550171' }));
    const deps = changedAfterFirstRead(api, (store, id) => store.updateProfile(id, { phone: '+12125550172' }, '2026-03-10T15:00:00.500Z'));
    const textsBefore = api.smsOutbox.messages().length;
    // Act
    const outcome = await applyPreferenceForm(deps, api.token(customerId, 'preferences', { channel: 'email', topic: 'marketing' }), tickSms, origin);
    // Assess
    expect(outcome).toMatchObject({ kind: 'saved', sms: 'sent' });
    expect(api.smsOutbox.messages().slice(textsBefore)).toEqual([]);
  });

  it('still sends one confirmation when nothing changed between the read and the send', async () => {
    // Prepare: a change that leaves the address as it is (the stage).
    const customerId = newCustomerId('race');
    await api.store.putProfile(aProfile(customerId, { email: 'same@example.com' }));
    const deps = changedAfterFirstRead(api, (store, id) => store.updateProfile(id, { stage: 'active' }, '2026-03-10T15:00:00.500Z'));
    // Act
    const outcome = await applyPreferenceForm(deps, api.token(customerId, 'preferences', { channel: 'sms', topic: 'marketing' }), tickEmail, origin);
    // Assess
    expect(outcome).toMatchObject({ kind: 'saved', email: 'sent' });
    expect(await emailRecipients()).toEqual(['same@example.com']);
  });
});

describe('POST /consents for an existing customer, racing a change of the customer', () => {
  const captureOf = (customerId: string, overrides: Record<string, unknown> = {}) =>
    consentCaptureRequestSchema(api.deps.topics ?? DEFAULT_TOPIC_OFFERS).parse(captureBody(customerId, { channels: ['email'], ...overrides }));

  it('mails no confirmation to the address the profile left between the read and the send', async () => {
    // Prepare
    const customerId = newCustomerId('race');
    await api.store.putProfile(aProfile(customerId, { email: 'old@example.com' }));
    const deps = changedAfterFirstRead(api, (store, id) => store.updateProfile(id, { email: 'new@example.com' }, '2026-03-10T15:00:00.500Z'));
    // Act
    const answer = await captureConsent(deps, captureOf(customerId), origin);
    // Assess: answered as for anyone, nothing mailed to the old address.
    expect(answer).toEqual({ status: 'accepted', pendingConfirmation: ['email'] });
    expect(await emailRecipients()).toEqual([]);
  });

  it('mails no confirmation to an address that complained between the read and the send', async () => {
    // Prepare
    const customerId = newCustomerId('race');
    await api.store.putProfile(aProfile(customerId, { email: 'complained@example.com' }));
    const deps = changedAfterFirstRead(api, (store, id) => store.addSuppression(id, { channel: 'email', reason: 'complaint', at: '2026-03-10T14:59:59.000Z' }));
    // Act
    const answer = await captureConsent(deps, captureOf(customerId), origin);
    // Assess
    expect(answer).toEqual({ status: 'accepted', pendingConfirmation: ['email'] });
    expect(await emailRecipients()).toEqual([]);
  });
});
