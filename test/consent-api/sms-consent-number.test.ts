/**
 * Consent to marketing texts is consent for the number it was given for, end to end on the local
 * emulators: a customer confirms a number (capture, YES), an ingested event moves the profile to
 * another, and the send path (deliverMessage, texting through the local SMS outbox) stops texting
 * until the new number is confirmed from the preference centre (tick, text, YES). A consent that
 * names no number (recorded before consents were bound to one) keeps following the profile.
 */
import type { Channel } from '../../lib/customer/model';
import { deliverMessage, type DeliveryOutcome, type DeliveryPorts } from '../../lib/delivery/deliver-message';
import { parseCustomerEvent } from '../../lib/ingest/customer-event';
import { ingestCustomerEvent, type IngestPorts } from '../../lib/ingest/ingest-event';
import { handleInboundSms, type InboundSmsDependencies, type InboundSmsOutcome } from '../../lib/sms-keywords/handle-inbound-sms';
import { destinationDigest, signToken } from '../../lib/unsubscribe';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, LINK_SECRET, postForm, postJson, startConsentApiHarness, type ConsentApiHarness } from './harness';
import { smsConsentPorts, welcomeSendStep } from './sms-consent-ports';

let api: ConsentApiHarness;
let inbound: InboundSmsDependencies;
let ingest: IngestPorts;
let delivery: DeliveryPorts;
let sequence = 0;

beforeAll(async () => {
  api = await startConsentApiHarness();
  ({ inbound, ingest, delivery } = smsConsentPorts(api));
});
afterAll(() => api.stop());

beforeEach(async () => {
  // 10:00 in New York: texts are allowed.
  api.clock.set('2026-03-02T15:00:00Z');
  await api.ses.clear();
});

/** A valid US number no other test uses. */
function newPhone(): string {
  sequence += 1;
  return `+1332555${String(1000 + sequence)}`;
}

/** Ingests a customer event dated now; the clock then moves on a second. */
async function ingested(name: string, detail: Record<string, unknown>): Promise<void> {
  sequence += 1;
  const now = api.clock.now();
  const parsed = parseCustomerEvent({ id: `eb-number-${sequence}`, 'detail-type': name, source: 'test', time: now.toISOString(), detail }, { now });
  if (!parsed.valid) throw new Error(parsed.reason);
  await ingestCustomerEvent(ingest, parsed.event);
  api.clock.advance(1000);
}

/** An inbound text from `from`, received now; the clock then moves on a second. */
async function text(from: string, body: string): Promise<InboundSmsOutcome> {
  sequence += 1;
  const outcome = await handleInboundSms(
    inbound,
    { originationNumber: from, destinationNumber: '+12125550000', messageBody: body, inboundMessageId: `inbound-number-${sequence}` },
    api.clock.now().toISOString(),
  );
  api.clock.advance(1000);
  return outcome;
}

/** A new customer who asked for SMS marketing at `phone` through the public form and confirmed with YES. */
async function confirmedCustomer(phone: string): Promise<string> {
  const customerId = newCustomerId('number');
  const answer = await postJson(`${api.url}/consents`, captureBody(customerId, { phone, email: `${customerId}@example.com`, channels: ['sms'], preferredWindow: undefined }));
  expect(answer.status).toBe(202);
  api.clock.advance(60_000);
  expect((await text(phone, 'YES')).kind).toBe('confirmed');
  return customerId;
}

/** Runs a marketing Send step of the welcome journey for the customer, by `channels`. */
async function send(customerId: string, channels: Channel[] = ['sms']): Promise<DeliveryOutcome> {
  sequence += 1;
  const outcome = await deliverMessage(delivery, welcomeSendStep(customerId, sequence, channels));
  api.clock.advance(1000);
  return outcome;
}

/** The numbers the send path texted marketing to for the customer, in order. */
function marketingTextsTo(customerId: string): string[] {
  return api.smsOutbox
    .messages()
    .filter((sent) => sent.input.Context?.customer_id === customerId && sent.input.Context.journey === 'welcome')
    .map((sent) => sent.input.DestinationPhoneNumber);
}

/** The preference centre as the customer opens it from an email. */
async function preferencePage(customerId: string): Promise<string> {
  const response = await fetch(`${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: 'email' })}`);
  expect(response.status).toBe(200);
  return response.text();
}

const SMS_TICKED = /name="consent" value="sms:marketing" checked/;

describe('a marketing SMS consent is consent for the number it was given for', () => {
  it('skips the next marketing text as no_consent once an ingested event changes the number the customer confirmed', async () => {
    // Prepare
    const before = newPhone();
    const after = newPhone();
    const customerId = await confirmedCustomer(before);
    expect(await send(customerId)).toMatchObject({ outcome: 'sent', channel: 'sms' });

    // Act
    await ingested('profile_changed', { customerId, profile: { phone: after } });
    const outcome = await send(customerId);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'no_consent' });
    expect(marketingTextsTo(customerId)).toEqual([before]);
  });

  it('falls back to email when the step allows it and email is permitted', async () => {
    // Prepare
    const customerId = await confirmedCustomer(newPhone());
    await ingested('consent_changed', {
      customerId,
      consents: [{ channel: 'email', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync' } }],
      preferences: { channels: ['sms', 'email'] },
    });

    // Act
    await ingested('profile_changed', { customerId, profile: { phone: newPhone() } });
    const outcome = await send(customerId, ['sms', 'email']);

    // Assess
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'email' });
    expect(marketingTextsTo(customerId)).toEqual([]);
    expect((await api.ses.messages()).filter((stored) => stored.destination.to.includes(`${customerId}@example.com`))).toHaveLength(1);
  });

  it('texts the new number again once the customer confirms it: unticked in the preference centre, ticked, a text, YES', async () => {
    // Prepare
    const before = newPhone();
    const after = newPhone();
    const customerId = await confirmedCustomer(before);
    await ingested('profile_changed', { customerId, profile: { phone: after } });
    expect(await preferencePage(customerId)).not.toMatch(SMS_TICKED);

    // Act
    const saved = await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: 'email' })}`, {
      action: 'save',
      channel1: 'sms',
      consent: ['sms:marketing'],
    });
    const skippedWhilePending = await send(customerId);
    api.clock.advance(60_000);
    const confirmed = await text(after, 'YES');
    const outcome = await send(customerId);

    // Assess
    expect(saved.headers.get('location')).toContain('sms=sent');
    expect(api.smsOutbox.messages().filter((sent) => sent.input.DestinationPhoneNumber === after && sent.input.Context?.step === 'sms-double-opt-in')).toHaveLength(1);
    expect(skippedWhilePending).toMatchObject({ outcome: 'skipped', reason: 'no_consent' });
    expect(confirmed).toMatchObject({ kind: 'confirmed', customers: [{ customerId, topics: ['marketing'] }] });
    expect(outcome).toMatchObject({ outcome: 'sent', channel: 'sms' });
    expect(marketingTextsTo(customerId)).toEqual([after]);
    expect(await preferencePage(customerId)).toMatch(SMS_TICKED);
  });

  it('asks the new number, rather than granting at once, when SMS is ticked from a link that came by SMS over a consent for the old number', async () => {
    // Prepare: the link came by SMS, and a text went only ever to the number confirmed before.
    const after = newPhone();
    const customerId = await confirmedCustomer(newPhone());
    await ingested('profile_changed', { customerId, profile: { phone: after } });

    // Act
    const saved = await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: 'sms' })}`, {
      action: 'save',
      channel1: 'sms',
      consent: ['sms:marketing'],
    });
    const outcome = await send(customerId);

    // Assess
    expect(saved.headers.get('location')).toContain('sms=sent');
    expect((await api.store.requireSnapshot(customerId)).consents.find((consent) => consent.channel === 'sms')).toMatchObject({ status: 'pending', phone: after });
    expect(outcome).toMatchObject({ outcome: 'skipped', reason: 'no_consent' });
    expect(marketingTextsTo(customerId)).toEqual([]);
  });

  it('asks the new number when another topic is ticked from a link that came by SMS under a consent for the old number', async () => {
    // Prepare: the link came in a marketing text, which only ever went to the number confirmed before.
    const after = newPhone();
    const customerId = await confirmedCustomer(newPhone());
    const link = api.token(customerId, 'preferences', { channel: 'sms', topic: 'marketing' });
    await ingested('profile_changed', { customerId, profile: { phone: after } });

    // Act
    const saved = await postForm(`${api.url}/preferences?token=${link}`, { action: 'save', channel1: 'sms', consent: ['sms:newsletter'] });

    // Assess
    expect(saved.headers.get('location')).toContain('sms=sent');
    const consent = (await api.store.requireSnapshot(customerId)).consents.find((state) => state.channel === 'sms' && state.topic === 'newsletter');
    expect(consent).toMatchObject({ status: 'pending', phone: after });
  });

  it('asks the number when a link that came by SMS was sent before the number was confirmed again, as a text to the old number may have been', async () => {
    // Prepare: a marketing text (and its link) went to the old number; the customer then moved and confirmed the new one.
    const after = newPhone();
    const customerId = await confirmedCustomer(newPhone());
    const oldLink = api.token(customerId, 'preferences', { channel: 'sms', topic: 'marketing' });
    await ingested('profile_changed', { customerId, profile: { phone: after } });
    await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: 'email' })}`, { action: 'save', channel1: 'sms', consent: ['sms:marketing'] });
    api.clock.advance(60_000);
    expect((await text(after, 'YES')).kind).toBe('confirmed');

    // Act
    const saved = await postForm(`${api.url}/preferences?token=${oldLink}`, { action: 'save', channel1: 'sms', consent: ['sms:marketing', 'sms:newsletter'] });

    // Assess
    expect(saved.status).toBe(303);
    const consent = (await api.store.requireSnapshot(customerId)).consents.find((state) => state.channel === 'sms' && state.topic === 'newsletter');
    expect(consent).toMatchObject({ status: 'pending', phone: after });
  });

  it('leaves the box of a consent for another number unticked on a save that does not tick it, writing nothing for it', async () => {
    // Prepare
    const customerId = await confirmedCustomer(newPhone());
    await ingested('profile_changed', { customerId, profile: { phone: newPhone() } });
    const ledgerBefore = await api.store.consentLedger(customerId);

    // Act
    const saved = await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: 'email' })}`, { action: 'save', channel1: 'email' });

    // Assess
    expect(saved.status).toBe(303);
    expect(await preferencePage(customerId)).not.toMatch(SMS_TICKED);
    expect(await api.store.consentLedger(customerId)).toEqual(ledgerBefore);
  });

  it('keeps texting on a consent that names no number, wherever the profile moves, but not on one given for the old number', async () => {
    // Prepare: a grant recorded before consents were bound to a number (as an import records it), and one made for a number.
    const legacy = newCustomerId('number-legacy');
    await ingested('signed_up', { customerId: legacy, profile: { timezone: 'America/New_York', phone: newPhone() } });
    await api.store.recordConsent(legacy, { channel: 'sms', topic: 'marketing', status: 'granted', at: api.clock.now().toISOString(), proof: { source: 'import' } });
    const bound = await confirmedCustomer(newPhone());
    const legacyNumber = newPhone();

    // Act
    await ingested('profile_changed', { customerId: legacy, profile: { phone: legacyNumber } });
    await ingested('profile_changed', { customerId: bound, profile: { phone: newPhone() } });
    const outcomes = [await send(legacy), await send(bound)];

    // Assess
    expect(outcomes).toMatchObject([
      { outcome: 'sent', channel: 'sms' },
      { outcome: 'skipped', reason: 'no_consent' },
    ]);
    expect(marketingTextsTo(legacy)).toEqual([legacyNumber]);
    expect(await preferencePage(legacy)).toMatch(SMS_TICKED);
  });
});

describe('a tick of SMS from a link that came by SMS grants at once only when the text reached the number on the profile now', () => {
  /** The customer's SMS consent for `topic`. */
  async function smsConsent(customerId: string, topic = 'marketing') {
    return (await api.store.requireSnapshot(customerId)).consents.find((state) => state.channel === 'sms' && state.topic === topic);
  }

  /** The double opt-in texts sent to `phone`. */
  function confirmationTextsTo(phone: string): number {
    return api.smsOutbox.messages().filter((sent) => sent.input.DestinationPhoneNumber === phone && sent.input.Context?.step === 'sms-double-opt-in').length;
  }

  /** A customer whose profile holds `phone`, stated now. */
  async function customerAt(phone: string): Promise<string> {
    const customerId = newCustomerId('sms-moved');
    await api.store.putProfile(aProfile(customerId, { phone, updatedAt: api.clock.now().toISOString() }));
    return customerId;
  }

  /** Moves the customer's profile to `phone` a month later, stated then, and opens the link a day after. */
  async function movedAMonthLater(customerId: string, phone: string): Promise<void> {
    api.clock.advance(31 * 86_400_000);
    await api.store.putProfile(aProfile(customerId, { phone, updatedAt: api.clock.now().toISOString() }));
    api.clock.advance(86_400_000);
  }

  it('asks the new number when the link came in a transactional text before the number changed', async () => {
    // Prepare: a transactional text (no SMS consent names a number) carried the preference link.
    const before = newPhone();
    const after = newPhone();
    const customerId = await customerAt(before);
    const oldTextLink = `${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: 'sms', topic: 'transactional', ttlSeconds: 180 * 86_400 })}`;
    await movedAMonthLater(customerId, after);
    // Act
    const response = await postForm(oldTextLink, { action: 'save', channel1: 'sms', consent: ['sms:marketing'] });
    // Assess: pending for the new number, which gets the YES text; no marketing text before its YES.
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toContain('sms=sent');
    expect(await smsConsent(customerId)).toMatchObject({ status: 'pending', phone: after });
    expect(confirmationTextsTo(after)).toBe(1);
    expect(await send(customerId)).toMatchObject({ outcome: 'skipped', reason: 'no_consent' });
  });

  it("asks the new number when the link came under a consent naming no number and the number changed since", async () => {
    // Prepare: a marketing text went out under a grant recorded without a number (an import).
    const after = newPhone();
    const customerId = await customerAt(newPhone());
    await api.store.recordConsent(customerId, { channel: 'sms', topic: 'marketing', status: 'granted', at: api.clock.now().toISOString(), proof: { source: 'import' } });
    api.clock.advance(1000);
    const oldTextLink = `${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: 'sms', topic: 'marketing', ttlSeconds: 180 * 86_400 })}`;
    await movedAMonthLater(customerId, after);
    // Act
    await postForm(oldTextLink, { action: 'save', channel1: 'sms', consent: ['sms:marketing', 'sms:newsletter'] });
    // Assess
    expect(await smsConsent(customerId, 'newsletter')).toMatchObject({ status: 'pending', phone: after });
    expect(confirmationTextsTo(after)).toBe(1);
  });

  it('grants at once, with no text, from a transactional text sent after the profile was last stated', async () => {
    // Prepare
    const phone = newPhone();
    const customerId = await customerAt(phone);
    api.clock.advance(1000);
    const link = `${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: 'sms', topic: 'transactional' })}`;
    // Act
    await postForm(link, { action: 'save', channel1: 'sms', consent: ['sms:marketing'] });
    // Assess
    expect(await smsConsent(customerId)).toMatchObject({ status: 'granted', phone });
    expect(confirmationTextsTo(phone)).toBe(0);
  });

  it('goes by the number a link names, when it names one: the number on the profile grants, another asks', async () => {
    // Prepare: links naming the number they were texted to, as an email's name its address.
    const before = newPhone();
    const after = newPhone();
    const customerId = await customerAt(before);
    const linkTo = (phone: string) =>
      `${api.url}/preferences?token=${signToken(
        { customerId, purpose: 'preferences', channel: 'sms', topic: 'transactional', destination: destinationDigest(phone, LINK_SECRET) },
        LINK_SECRET,
        { now: api.clock.now(), ttlSeconds: 180 * 86_400 },
      )}`;
    const toOldNumber = linkTo(before);
    const toNewNumber = linkTo(after);
    await movedAMonthLater(customerId, after);
    // Act
    await postForm(toOldNumber, { action: 'save', channel1: 'sms', consent: ['sms:marketing'] });
    const afterOld = await smsConsent(customerId);
    await postForm(toNewNumber, { action: 'save', channel1: 'sms', consent: ['sms:newsletter'] });
    // Assess
    expect(afterOld).toMatchObject({ status: 'pending', phone: after });
    expect(await smsConsent(customerId, 'newsletter')).toMatchObject({ status: 'granted', phone: after });
  });
});
