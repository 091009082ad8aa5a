/**
 * Consent to marketing email is consent for the address it was given for, end to end on the local
 * emulators: a customer confirms an address (capture, the confirmation link's button), an ingested
 * event moves the profile to another (a call-centre typo, a CRM sync), and the send path
 * (deliverMessage, through the SES emulator) mails no marketing to the new address until it
 * confirms. A grant that names no address (recorded before grants were bound to one) keeps
 * following the profile.
 */
import { ADDRESS_BEFORE_PROFILE_EMAIL } from '../../lib/customer/consent-address';
import { deliverMessage, type DeliveryOutcome, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';
import { ingestCustomerEvent, type IngestPorts } from '../../lib/ingest/ingest-event';
import { destinationDigest, signToken } from '../../lib/unsubscribe';
import { newCustomerId } from '../store/fixtures';
import { captureBody, LINK_SECRET, postForm, postJson, pressConfirmButton, startConsentApiHarness, type ConsentApiHarness } from './harness';
import { smsConsentPorts, welcomeSendStep } from './sms-consent-ports';

let api: ConsentApiHarness;
let ingest: IngestPorts;
let delivery: DeliveryPorts;
let sequence = 0;

beforeAll(async () => {
  api = await startConsentApiHarness();
  ({ ingest, delivery } = smsConsentPorts(api));
});
afterAll(() => api.stop());

beforeEach(async () => {
  // 10:00 in New York: no quiet hours, no window.
  api.clock.set('2026-03-02T15:00:00Z');
  await api.forgetConfirmationBudgets();
  await api.ses.clear();
});

/** Ingests a customer event dated now; the clock then moves on a second. */
async function ingested(name: string, detail: Record<string, unknown>): Promise<void> {
  sequence += 1;
  const now = api.clock.now();
  const parsed = parseCustomerEvent({ id: `eb-address-${sequence}`, 'detail-type': name, source: 'test', time: now.toISOString(), detail }, { now });
  if (!parsed.valid) throw new Error(parsed.reason);
  await ingestCustomerEvent(ingest, parsed.event);
  api.clock.advance(1000);
}

/** Asks for email marketing at `email` through the public form and presses the confirmation button it was sent. */
async function confirmAddress(customerId: string, email: string): Promise<void> {
  await api.ses.clear();
  const answer = await postJson(`${api.url}/consents`, captureBody(customerId, { email, phone: undefined, channels: ['email'], preferredWindow: undefined }));
  expect(answer.status).toBe(202);
  const [message] = await api.ses.messages();
  const [link] = [...(message?.body.text ?? '').matchAll(/https?:\/\/\S+\/confirm\?token=[\w.-]+/g)].map((match) => match[0]);
  api.clock.advance(60_000);
  expect((await pressConfirmButton(link ?? '')).status).toBe(200);
  await api.ses.clear();
}

/** Runs a marketing Send step of the welcome journey for the customer, by email. */
async function send(customerId: string): Promise<DeliveryOutcome> {
  sequence += 1;
  const outcome = await deliverMessage(delivery, welcomeSendStep(customerId, sequence, ['email']));
  api.clock.advance(1000);
  return outcome;
}

/** A preference-centre link as an email to `address` carries it: naming the address's digest. */
function preferenceLinkSentTo(customerId: string, address: string): string {
  const token = signToken({ customerId, purpose: 'preferences', channel: 'email', topic: 'transactional', destination: destinationDigest(address, LINK_SECRET) }, LINK_SECRET, {
    now: api.clock.now(),
    ttlSeconds: 180 * 86_400,
  });
  return `${api.url}/preferences?token=${token}`;
}

const EMAIL_TICKED = /name="consent" value="email:marketing" checked/;

/** Every address the SES emulator holds a message to. */
async function recipients(): Promise<string[]> {
  return (await api.ses.messages()).flatMap((message) => message.destination.to);
}

describe('a marketing email consent is consent for the address it was given for', () => {
  it('mails no marketing to an address an ingested event changed after the customer confirmed another', async () => {
    // Prepare
    const customerId = newCustomerId('address');
    const confirmed = `${customerId}-confirmed@example.com`;
    const typed = `${customerId}-typed-by-agent@example.com`;
    await confirmAddress(customerId, confirmed);
    expect(await send(customerId)).toMatchObject({ outcome: 'sent', channel: 'email' });

    // Act
    await ingested('profile_changed', { customerId, profile: { email: typed } });
    const outcome = await send(customerId);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'no_consent' });
    expect(await recipients()).toEqual([confirmed]);
  });

  it('records with the grant the address its confirmation went to', async () => {
    // Prepare
    const customerId = newCustomerId('address');
    const confirmed = `${customerId}@example.com`;

    // Act
    await confirmAddress(customerId, confirmed);

    // Assess
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.find((consent) => consent.channel === 'email')).toMatchObject({ status: 'granted', source: 'double-opt-in', email: confirmed });
  });

  it('mails the new address again once it confirms, asked by a capture of the existing customer', async () => {
    // Prepare
    const customerId = newCustomerId('address');
    const second = `${customerId}-second@example.com`;
    await confirmAddress(customerId, `${customerId}-first@example.com`);
    await ingested('profile_changed', { customerId, profile: { email: second } });
    expect(await send(customerId)).toMatchObject({ outcome: 'skipped', reason: 'no_consent' });

    // Act
    await confirmAddress(customerId, second);
    const outcome = await send(customerId);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email' });
    expect(await recipients()).toEqual([second]);
  });

  it('shows email unticked in the preference centre after the change, and a tick from a link sent to the new address grants for it', async () => {
    // Prepare
    const customerId = newCustomerId('address');
    const second = `${customerId}-second@example.com`;
    await confirmAddress(customerId, `${customerId}-first@example.com`);
    await ingested('profile_changed', { customerId, profile: { email: second } });
    const link = preferenceLinkSentTo(customerId, second);
    const page = await (await fetch(link)).text();

    // Act
    const saved = await postForm(link, { action: 'save', channel1: 'email', consent: ['email:marketing'] });
    const outcome = await send(customerId);

    // Assess
    expect(page).not.toMatch(EMAIL_TICKED);
    expect(saved.status).toBe(303);
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email' });
    expect(await recipients()).toEqual([second]);
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.find((consent) => consent.channel === 'email')).toMatchObject({ status: 'granted', email: second });
  });

  it('binds an ingested grant naming no address to the address the profile holds, and not to the next one', async () => {
    // Prepare
    const customerId = newCustomerId('address');
    const held = `${customerId}-held@example.com`;
    await ingested('signed_up', { customerId, profile: { timezone: 'America/New_York', email: held } });
    await ingested('consent_changed', { customerId, consents: [{ channel: 'email', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync' } }] });
    expect(await send(customerId)).toMatchObject({ outcome: 'sent', channel: 'email' });

    // Act
    await ingested('profile_changed', { customerId, profile: { email: `${customerId}-next@example.com` } });
    const outcome = await send(customerId);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'no_consent' });
    expect(await recipients()).toEqual([held]);
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.find((consent) => consent.channel === 'email')?.email).toBe(held);
  });

  it("binds an ingested grant dated before the profile's address was stated to no address (events out of order)", async () => {
    // Prepare: the grant was given at 15:00:00, for the address the customer held then…
    const customerId = newCustomerId('address');
    const grantedAt = api.clock.now().toISOString();
    api.clock.advance(60_000);
    // …and the profile's address was stated a minute later, arriving first.
    await ingested('signed_up', { customerId, profile: { timezone: 'America/New_York', email: `${customerId}-later@example.com` } });

    // Act
    await ingested('consent_changed', { customerId, consents: [{ channel: 'email', topic: 'marketing', status: 'granted', at: grantedAt, proof: { source: 'crm-sync' } }] });
    const outcome = await send(customerId);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'no_consent' });
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.find((consent) => consent.channel === 'email')?.email).toBe(ADDRESS_BEFORE_PROFILE_EMAIL);
  });

  it('binds an ingested grant to the address the same event states', async () => {
    // Prepare
    const customerId = newCustomerId('address');
    const stated = `${customerId}-stated@example.com`;
    await ingested('signed_up', { customerId, profile: { timezone: 'America/New_York', email: `${customerId}-old@example.com` } });

    // Act
    await ingested('consent_changed', {
      customerId,
      profile: { email: stated },
      consents: [{ channel: 'email', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync' } }],
    });
    const outcome = await send(customerId);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email' });
    expect(await recipients()).toEqual([stated]);
  });

  it("keeps mailing the profile's address, whichever it is, on a grant recorded before grants named one", async () => {
    // Prepare
    const customerId = newCustomerId('address');
    const moved = `${customerId}-moved@example.com`;
    await ingested('signed_up', { customerId, profile: { timezone: 'America/New_York', email: `${customerId}@example.com` } });
    await api.store.recordConsent(customerId, {
      channel: 'email',
      topic: 'marketing',
      status: 'granted',
      at: api.clock.now().toISOString(),
      proof: { source: 'legacy-import' },
    });
    api.clock.advance(1000);

    // Act
    await ingested('profile_changed', { customerId, profile: { email: moved } });
    const outcome = await send(customerId);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email' });
    expect(await recipients()).toEqual([moved]);
  });
});
