import path from 'node:path';
import { ProviderUnavailableError } from '../../lib/channels/errors';
import { exportConsents, truncatedIp } from '../../lib/consent-api/consent-export';
import { applyPreferenceForm } from '../../lib/consent-api/preference-centre';
import { PreferenceFormSchema } from '../../lib/consent-api/requests';
import { composeMessage } from '../../lib/delivery/compose-message';
import { loadTemplateCatalog } from '../../lib/templates';
import type { ConsentEvent } from '../../lib/store';
import type { ConsentState } from '../../lib/customer/model';
import { destinationDigest, messageLinks, tokenFromUrl, verifyToken } from '../../lib/unsubscribe';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, LINK_SECRET, postForm, postJson, pressConfirmButton, startConsentApiHarness, type ConsentApiHarness } from './harness';
import { TEST_SENDER_POSTAL_ADDRESS } from '../support/sender-address';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness();
});

afterAll(() => api.stop());

beforeEach(async () => {
  api.clock.set('2026-03-10T15:00:00Z');
  await api.ses.clear();
});

function consent(channel: ConsentEvent['channel'], topic: string, status: ConsentEvent['status'] = 'granted'): ConsentEvent {
  return { channel, topic, status, at: '2026-03-01T12:00:00Z', proof: { source: 'web-form', consentTextVersion: 'v3' } };
}

async function customerWith(events: ConsentEvent[]): Promise<string> {
  const customerId = newCustomerId('prefs');
  await api.store.putProfile(aProfile(customerId));
  await api.store.putPreferences(customerId, { channels: ['email', 'sms'], preferredWindow: { start: '17:00', end: '20:00' } });
  for (const event of events) await api.store.recordConsent(customerId, event);
  return customerId;
}

/** The form as the page submits it, with the stored choices unless overridden. */
function saveForm(overrides: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    action: 'save',
    channel1: 'email',
    channel2: 'sms',
    channel3: '',
    consent: ['email:marketing', 'sms:marketing'],
    windowStart: '17:00',
    windowEnd: '20:00',
    quietStart: '',
    quietEnd: '',
    maxPerWeek: '',
    ...overrides,
  };
}

describe('GET /preferences', () => {
  it('shows the stored choices in a labelled, grouped form', async () => {
    // Prepare
    const customerId = await customerWith([consent('email', 'marketing'), consent('sms', 'marketing')]);
    // Act
    const response = await fetch(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`);
    // Assess
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('<html lang="en">');
    expect(page).toMatch(/<label for="channel1">First choice<\/label>\s*<select id="channel1" name="channel1"[^>]*>/);
    expect(page).toContain('<option value="email" selected>Email</option>');
    expect(page).toMatch(/<input type="checkbox" id="consent-email-marketing" name="consent" value="email:marketing" checked>/);
    expect(page).toMatch(/<input type="checkbox" id="consent-mail-marketing" name="consent" value="mail:marketing">/);
    expect(page).toContain('value="17:00"');
    expect(page).toContain('Times are in your time zone, America/New_York.');
    expect(page).not.toContain('<script');
    expect(page.match(/<fieldset/g)?.length).toBeGreaterThanOrEqual(5);
    expect(page).not.toContain('ana@example.com');
  });

  it("opens from a text's short link, and saves through the long route", async () => {
    // Prepare
    const customerId = await customerWith([consent('sms', 'marketing')]);
    const { preferencesUrl: shortLink } = messageLinks({ customerId, channel: 'sms', topic: 'marketing' }, api.deps.links, api.clock.now());
    // Act
    const response = await fetch(shortLink);
    // Assess
    expect(new URL(shortLink).pathname).toMatch(/\/p$/);
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toMatch(/<input type="checkbox" id="consent-sms-marketing" name="consent" value="sms:marketing" checked>/);
    expect(page).toMatch(/<form method="post" action="[^"]*\/preferences\?token=2ps\./);
  });

  it('marks a consent waiting for confirmation', async () => {
    // Prepare
    const customerId = await customerWith([consent('email', 'newsletter', 'pending')]);
    // Act
    const page = await (await fetch(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`)).text();
    // Assess
    expect(page).toContain('id="consent-email-newsletter-pending"');
  });
});

describe('POST /preferences', () => {
  it('saves the channel order, window, quiet hours and weekly maximum, and redirects to the centre', async () => {
    // Prepare
    const customerId = await customerWith([consent('email', 'marketing'), consent('sms', 'marketing')]);
    const token = api.token(customerId, 'preferences');
    // Act
    const response = await postForm(
      `${api.url}/preferences?token=${token}`,
      saveForm({ channel1: 'sms', channel2: 'email', windowStart: '18:00', windowEnd: '20:30', quietStart: '22:00', quietEnd: '07:00', maxPerWeek: '2' }),
    );
    // Assess
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${api.url}/preferences?token=${token}&saved=1`);
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.preferences).toEqual({
      channels: ['sms', 'email'],
      preferredWindow: { start: '18:00', end: '20:30' },
      quietHours: { start: '22:00', end: '07:00' },
      maxPerWeek: 2,
    });
  });

  it('records each changed consent with the proof of the request, and nothing for the unchanged ones', async () => {
    // Prepare
    const customerId = await customerWith([consent('email', 'marketing'), consent('sms', 'marketing')]);
    const ledgerBefore = await api.store.consentLedger(customerId);
    // Act
    await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`, saveForm({ consent: ['email:marketing', 'mail:marketing'] }), {
      'user-agent': 'Browser/1.0',
    });
    // Assess
    const added = (await api.store.consentLedger(customerId)).slice(ledgerBefore.length);
    expect(added.map(({ channel, topic, status, proof }) => ({ channel, topic, status, proof }))).toEqual([
      { channel: 'mail', topic: 'marketing', status: 'granted', proof: { source: 'preference-centre', ip: '127.0.0.1', userAgent: 'Browser/1.0' } },
      { channel: 'sms', topic: 'marketing', status: 'revoked', proof: { source: 'preference-centre', ip: '127.0.0.1', userAgent: 'Browser/1.0', phone: '+12125550143' } },
    ]);
  });

  it('asks for confirmation by email when email is granted from a link that came by SMS', async () => {
    // Prepare
    const customerId = await customerWith([consent('sms', 'marketing')]);
    // Act
    await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: 'sms' })}`, saveForm());
    // Assess
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.find((state) => state.channel === 'email')?.status).toBe('pending');
    const messages = await api.ses.messages();
    expect(messages.map((message) => message.destination.to)).toEqual([['ana@example.com']]);
  });

  it('records no SMS request for a customer with no number on file, and answers sms=no_number, for a known customer as for an unknown one', async () => {
    // Prepare: a customer who signed up with an email address only, and an id nobody holds.
    const customerId = newCustomerId('prefs-nophone');
    const { phone: _phone, ...withoutPhone } = aProfile(customerId);
    await api.store.putProfile(withoutPhone);
    await api.store.recordConsent(customerId, consent('email', 'marketing'));
    const unknown = newCustomerId('prefs-nobody');
    const before = (await api.store.requireSnapshot(customerId)).consents;
    const textsBefore = api.smsOutbox.messages().length;
    // Act
    const saved = await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`, saveForm());
    const savedUnknown = await postForm(`${api.url}/preferences?token=${api.token(unknown, 'preferences')}`, saveForm());
    // Assess: no text could go, so no request waits for a YES that cannot come.
    expect(saved.status).toBe(303);
    expect(new URL(saved.headers.get('location') ?? '').searchParams.get('sms')).toBe('no_number');
    expect(new URL(savedUnknown.headers.get('location') ?? '').searchParams.get('sms')).toBe('no_number');
    expect((await api.store.requireSnapshot(customerId)).consents).toEqual(before);
    expect(api.smsOutbox.messages()).toHaveLength(textsBefore);
  });

  it('saves, texts the number and says so when the confirmation email fails, instead of answering 500', async () => {
    // Prepare: a link that came by post asks for email and SMS; SES is unreachable.
    const customerId = await customerWith([]);
    const token = api.token(customerId, 'preferences', { channel: 'mail' });
    const textsBefore = api.smsOutbox.messages().length;
    const email = api.deps.email;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    Object.assign(api.deps, { email: { send: () => Promise.reject(new ProviderUnavailableError({ provider: 'ses', code: 'ECONNREFUSED' })) } });
    let response: Response;
    try {
      // Act
      response = await postForm(`${api.url}/preferences?token=${token}`, saveForm());
    } finally {
      Object.assign(api.deps, { email });
      warn.mockRestore();
    }
    // Assess
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${api.url}/preferences?token=${token}&saved=1&email=not_sent&sms=sent`);
    expect(api.smsOutbox.messages()).toHaveLength(textsBefore + 1);
    const page = await (await fetch(response.headers.get('location') ?? '')).text();
    expect(page).toContain('We could not send the confirmation email just now');
    expect(page).toContain('We have texted your phone');
  });

  it('sends no confirmation email to a suppressed address, and tells the save as it tells a sent one', async () => {
    // Prepare: email bounced for good; a link that came by SMS ticks email.
    const customerId = await customerWith([consent('sms', 'marketing')]);
    await api.store.addSuppression(customerId, { channel: 'email', reason: 'hard_bounce', at: '2026-03-05T10:00:00Z' });
    await api.forgetConfirmationBudgets();
    const token = api.token(customerId, 'preferences', { channel: 'sms' });
    // Act
    const response = await postForm(`${api.url}/preferences?token=${token}`, saveForm());
    // Assess
    expect(response.headers.get('location')).toBe(`${api.url}/preferences?token=${token}&saved=1&email=sent`);
    expect(await api.ses.messages()).toHaveLength(0);
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.find((state) => state.channel === 'email')?.status).toBe('pending');
  });

  it.each(['sms_invalid_number', 'sms_blocked'])('sends no confirmation text to a number suppressed as %s, and tells the save as it tells a sent one', async (reason) => {
    // Prepare: a link that came by email ticks SMS.
    const customerId = await customerWith([consent('email', 'marketing')]);
    await api.store.addSuppression(customerId, { channel: 'sms', reason, at: '2026-03-05T10:00:00Z' });
    await api.forgetConfirmationBudgets();
    const token = api.token(customerId, 'preferences');
    const textsBefore = api.smsOutbox.messages().length;
    // Act
    const response = await postForm(`${api.url}/preferences?token=${token}`, saveForm());
    // Assess
    expect(response.headers.get('location')).toBe(`${api.url}/preferences?token=${token}&saved=1&sms=sent`);
    expect(api.smsOutbox.messages()).toHaveLength(textsBefore);
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.find((state) => state.channel === 'sms')?.status).toBe('pending');
  });

  it('says the channel order and times were not saved when newer preferences are on file', async () => {
    // Prepare: preferences stated after this save (an event stamped ahead of it).
    const customerId = await customerWith([consent('email', 'marketing')]);
    await api.store.putPreferences(customerId, { channels: ['email'] }, { at: '2026-03-10T16:00:00Z' });
    const token = api.token(customerId, 'preferences');
    // Act
    const response = await postForm(`${api.url}/preferences?token=${token}`, saveForm({ channel1: 'sms', channel2: 'email', consent: ['email:marketing', 'mail:marketing'] }));
    // Assess
    expect(response.headers.get('location')).toBe(`${api.url}/preferences?token=${token}&saved=1&preferences=kept_newer`);
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.preferences).toEqual({ channels: ['email'] });
    expect(snapshot.consents.find((state) => state.channel === 'mail')?.status).toBe('granted');
    const page = await (await fetch(response.headers.get('location') ?? '')).text();
    expect(page).toContain('your channel order, times and weekly maximum are not');
    expect(page).not.toContain('Your preferences are saved');
  });

  it('records an untick and answers saved when recording preferences_updated fails, and reports the failure', async () => {
    // Prepare: resuming the journeys that wait for the event is throttled.
    const customerId = await customerWith([consent('email', 'marketing')]);
    const failures: string[] = [];
    const deps = {
      ...api.deps,
      recordEvent: () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })),
      eventNotRecorded: ({ event, error }: { event: string; error: unknown }) => failures.push(`${event}: ${(error as Error).name}`),
    };
    const form = PreferenceFormSchema.parse({ action: 'save', channel1: 'email', windowStart: '17:00', windowEnd: '20:00' });
    // Act
    const outcome = await applyPreferenceForm(deps, api.token(customerId, 'preferences'), form, { ip: '203.0.113.9' });
    // Assess
    expect(outcome).toMatchObject({ kind: 'saved', preferences: 'written' });
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.find((state) => state.channel === 'email' && state.topic === 'marketing')?.status).toBe('revoked');
    expect(failures).toEqual(['preferences_updated: ThrottlingException']);
  });

  it('withdraws every consent in one step', async () => {
    // Prepare
    const customerId = await customerWith([consent('email', 'marketing'), consent('sms', 'marketing'), consent('email', 'newsletter', 'pending')]);
    const token = api.token(customerId, 'preferences');
    // Act
    const response = await postForm(`${api.url}/preferences?token=${token}`, { action: 'withdraw-all' });
    // Assess
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${api.url}/preferences?token=${token}&saved=withdrawn`);
    const snapshot = await api.store.requireSnapshot(customerId);
    // Every offered topic on every channel, not only the three the customer had: see the next test.
    expect(snapshot.consents.map((state) => `${state.channel}/${state.topic}/${state.status}`)).toEqual(
      ['email', 'mail', 'sms'].flatMap((channel) => ['marketing', 'newsletter'].map((topic) => `${channel}/${topic}/revoked`)),
    );
    const page = await (await fetch(response.headers.get('location') ?? '')).text();
    expect(page).toContain('You have withdrawn all consent');
    expect(page).not.toMatch(/name="consent" value="[^"]+" checked/);
  });

  it('keeps a grant stated before withdraw-all but recorded after it out of the current state', async () => {
    // Prepare: email only; a grant of SMS newsletters, stated a minute before the withdrawal, is still on its way.
    const customerId = await customerWith([consent('email', 'marketing')]);
    const statedAt = new Date(api.clock.now().getTime() - 60_000).toISOString();
    // Act
    await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`, { action: 'withdraw-all' });
    await api.store.recordConsent(customerId, { channel: 'sms', topic: 'newsletter', status: 'granted', at: statedAt, proof: { source: 'crm-sync' } });
    // Assess
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.find((state) => state.channel === 'sms' && state.topic === 'newsletter')?.status).toBe('revoked');
    expect((await api.store.consentLedger(customerId)).filter((entry) => entry.channel === 'sms' && entry.topic === 'newsletter').map((entry) => entry.status)).toEqual([
      'granted',
      'revoked',
    ]);
  });

  it.each([
    ['channel1', { channel1: '', channel2: '', channel3: '' }, 'Choose at least one way we may contact you, as your first choice.'],
    ['channel2', { channel1: 'email', channel2: 'email' }, 'Your second choice repeats a channel chosen above. Choose another, or None.'],
    ['channel3', { channel3: 'fax' }, 'Choose your third choice from the list.'],
    ['windowEnd', { windowStart: '18:00', windowEnd: '' }, 'Give the preferred time of day both a start (From) and an end (Until), or leave both empty.'],
    ['windowStart', { windowStart: '7pm' }, 'Enter the start (From) of the preferred time of day as a time of day, such as 18:30.'],
    ['quietEnd', { quietStart: '22:00', quietEnd: '22:00' }, 'The quiet hours must end (Until) at another time than they start (From).'],
    ['maxPerWeek', { maxPerWeek: 'lots' }, 'Enter the most messages per week as a whole number from 0 to 100, or leave it empty for no limit.'],
    ['maxPerWeek', { maxPerWeek: '500' }, 'Enter the most messages per week as a whole number from 0 to 100, or leave it empty for no limit.'],
    ['consents', { consent: 'pigeon:marketing' }, 'One of the ticked boxes is not one this page offers. Tick your choices again, then save.'],
  ])(
    'answers a malformed form with 400, an "Error:" title and a summary saying what to fix at #%s in the words of its label, and changes nothing',
    async (anchor, overrides, sentence) => {
      // Prepare
      const customerId = await customerWith([consent('email', 'marketing')]);
      const before = await api.partition(customerId);
      // Act
      const response = await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`, saveForm(overrides));
      // Assess
      expect(response.status).toBe(400);
      const page = await response.text();
      expect(page).toContain('<title>Error: Your communication preferences</title>');
      const summary = /<div class="problems" role="alert"[\s\S]*?<\/div>/.exec(page)?.[0] ?? '';
      expect(summary).toContain(`<li><a href="#${anchor}">${sentence}</a></li>`);
      expect(summary.replace(/ href="[^"]*"/g, '')).not.toMatch(/\b(windowStart|windowEnd|quietStart|quietEnd|maxPerWeek|channel\d|consent\[\d+\]|HH:MM)/);
      expect(await api.partition(customerId)).toEqual(before);
    },
  );

  it('marks the offending field for assistive technology', async () => {
    // Prepare
    const customerId = await customerWith([consent('email', 'marketing')]);
    // Act
    const response = await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`, saveForm({ windowStart: '18:00', windowEnd: '' }));
    // Assess
    const page = await response.text();
    expect(page).toMatch(/<input type="time" id="windowEnd" name="windowEnd" value="" aria-invalid="true" aria-describedby="windowStart-hint windowEnd-error">/);
    expect(page).toContain('<p class="error" id="windowEnd-error">');
    expect(page).toContain('<a href="#windowEnd">');
  });

  it.each([
    ['an unsubscribe token', 400, (customerId: string) => api.token(customerId, 'unsubscribe')],
    ['an expired token', 410, (customerId: string) => api.token(customerId, 'preferences', { ttlSeconds: 1 })],
  ])('refuses %s with %d and changes nothing, even for a malformed form', async (_case, status, tokenFor) => {
    // Prepare
    const customerId = await customerWith([consent('email', 'marketing')]);
    const token = tokenFor(customerId);
    api.clock.advance(5_000);
    const before = await api.partition(customerId);
    // Act
    const valid = await postForm(`${api.url}/preferences?token=${token}`, { action: 'withdraw-all' });
    const malformed = await postForm(`${api.url}/preferences?token=${token}`, saveForm({ channel1: '' , channel2: '' }));
    const shown = await fetch(`${api.url}/preferences?token=${token}`);
    // Assess
    expect([valid.status, malformed.status, shown.status]).toEqual([status, status, status]);
    expect(await api.partition(customerId)).toEqual(before);
  });
});

const templates = loadTemplateCatalog(path.join(__dirname, '../../workflows/templates'));

/** The preference and unsubscribe links of the marketing email the send path composes for the customer now. */
async function linksOfEmailSentNow(customerId: string): Promise<{ preferences: string; unsubscribe: string }> {
  const snapshot = await api.store.requireSnapshot(customerId);
  const ids = { customerId, journey: 'win-back', step: 'email', templateId: 'win-back-email', topic: 'marketing', idempotencyKey: `${customerId}#win-back` };
  const composed = composeMessage('email', snapshot, ids, { templates, links: api.deps.links, senderPostalAddress: TEST_SENDER_POSTAL_ADDRESS, now: api.clock.now() });
  if (composed.channel !== 'email') throw new Error(`composed for ${composed.channel}`);
  const preferences = /\S+\/preferences\?token=[\w.-]+/.exec(composed.message.content.text)?.[0];
  if (preferences === undefined || composed.message.unsubscribeUrl === undefined) throw new Error('the email carries no preference or unsubscribe link');
  return { preferences, unsubscribe: composed.message.unsubscribeUrl };
}

/** Puts `email` on the customer's profile, as support correcting a typo does. */
async function changeAddress(customerId: string, email: string): Promise<void> {
  const { profile } = await api.store.requireSnapshot(customerId);
  await api.store.putProfile({ ...profile, email, updatedAt: api.clock.now().toISOString() });
}

describe('a tick of email from a link that came by email', () => {
  async function tickEmail(link: string): Promise<Response> {
    return postForm(link, saveForm({ consent: ['email:marketing'] }));
  }

  async function emailMarketing(customerId: string): Promise<{ status: string | undefined; granted: number }> {
    const snapshot = await api.store.requireSnapshot(customerId);
    const ledger = await api.store.consentLedger(customerId);
    return {
      status: snapshot.consents.find((state) => state.channel === 'email' && state.topic === 'marketing')?.status,
      granted: ledger.filter((entry) => entry.channel === 'email' && entry.status === 'granted').length,
    };
  }

  it('asks the address on the profile now, and grants nothing, when the email went to an address the profile no longer holds', async () => {
    // Prepare: the email went to ana@, then the profile's address became bea@.
    const customerId = await customerWith([]);
    const { preferences } = await linksOfEmailSentNow(customerId);
    api.clock.advance(60_000);
    await changeAddress(customerId, 'bea@example.com');
    // Act: whoever reads ana@'s mailbox ticks email.
    const response = await tickEmail(preferences);
    // Assess
    expect(await emailMarketing(customerId)).toEqual({ status: 'pending', granted: 0 });
    expect(response.headers.get('location')).toContain('email=sent');
    expect((await api.ses.messages()).map((message) => message.destination.to)).toEqual([['bea@example.com']]);
  });

  it('asks the new address from the preference link the unsubscribe page offers, too', async () => {
    // Prepare
    const customerId = await customerWith([]);
    const { unsubscribe } = await linksOfEmailSentNow(customerId);
    api.clock.advance(60_000);
    await changeAddress(customerId, 'bea@example.com');
    const page = await (await fetch(unsubscribe)).text();
    const offered = (/href="([^"]*\/preferences\?token=[^"]*)"/.exec(page)?.[1] ?? 'missing').replaceAll('&amp;', '&');
    // Act
    const response = await tickEmail(offered);
    // Assess
    expect(await emailMarketing(customerId)).toEqual({ status: 'pending', granted: 0 });
    expect(response.headers.get('location')).toContain('email=sent');
    expect((await api.ses.messages()).map((message) => message.destination.to)).toEqual([['bea@example.com']]);
  });

  it('grants at once while the profile holds the address the email went to, whatever its case', async () => {
    // Prepare
    const customerId = await customerWith([]);
    const { preferences } = await linksOfEmailSentNow(customerId);
    await changeAddress(customerId, 'Ana@Example.COM');
    // Act
    await tickEmail(preferences);
    // Assess
    expect(await emailMarketing(customerId)).toEqual({ status: 'granted', granted: 1 });
    expect(await api.ses.messages()).toEqual([]);
  });

  it('grants at once from a link signed before links carried the address digest, as before', async () => {
    // Prepare
    const customerId = await customerWith([]);
    await changeAddress(customerId, 'bea@example.com');
    // Act
    await tickEmail(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`);
    // Assess
    expect(await emailMarketing(customerId)).toEqual({ status: 'granted', granted: 1 });
    expect(await api.ses.messages()).toEqual([]);
  });

  it('never puts the address in a link', async () => {
    // Prepare
    const customerId = await customerWith([]);
    // Act
    const links = await linksOfEmailSentNow(customerId);
    // Assess
    for (const [purpose, link] of [['unsubscribe', links.unsubscribe], ['preferences', links.preferences]] as const) {
      expect(verifyToken(tokenFromUrl(link), LINK_SECRET, { now: api.clock.now(), purpose }).destination).toMatch(/^[\w-]{22}$/);
      expect(link.toLowerCase()).not.toContain('example.com');
    }
  });
});

describe('a tick of an email topic waiting for confirmation', () => {
  beforeEach(() => api.forgetConfirmationBudgets());

  /** Signs up by the capture form, asking for email marketing at `email`; the confirmation goes there. */
  async function signUp(email: string): Promise<string> {
    const customerId = newCustomerId('prefs');
    await postJson(`${api.url}/consents`, captureBody(customerId, { email, channels: ['email'] }));
    expect((await api.ses.messages()).map((message) => message.destination.to)).toEqual([[email]]);
    await api.ses.clear();
    api.clock.advance(3_600_000);
    return customerId;
  }

  /** The preference link of a text: it proves neither mailbox. */
  function smsPreferenceLink(customerId: string): string {
    return `${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: 'sms' })}`;
  }

  async function emailMarketing(customerId: string): Promise<ConsentState | undefined> {
    const snapshot = await api.store.requireSnapshot(customerId);
    return snapshot.consents.find((state) => state.channel === 'email' && state.topic === 'marketing');
  }

  /** The addresses the confirmation emails sent since the last clear went to. */
  async function confirmationsSentTo(): Promise<string[][]> {
    return (await api.ses.messages()).map((message) => message.destination.to);
  }

  it('sends a confirmation to the corrected address, whose link confirms, when the first went to a typo', async () => {
    // Prepare: the confirmation went to the typo; support corrected the address.
    const customerId = await signUp('ana@exmaple.com');
    await changeAddress(customerId, 'ana@example.com');
    // Act: the customer saves the centre with the pending box ticked.
    const response = await postForm(smsPreferenceLink(customerId), { action: 'save', channel1: 'email', consent: ['email:marketing'] });
    // Assess
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toContain('email=sent');
    expect(await confirmationsSentTo()).toEqual([['ana@example.com']]);
    expect(await emailMarketing(customerId)).toMatchObject({ status: 'pending', destination: destinationDigest('ana@example.com', LINK_SECRET) });
    const link = /https?:\/\/\S+\/confirm\?token=[\w.-]+/.exec((await api.ses.messages())[0]?.body.text ?? '')?.[0] ?? 'missing';
    expect(await (await pressConfirmButton(link)).text()).toContain('Subscription confirmed');
    expect((await emailMarketing(customerId))?.status).toBe('granted');
  });

  it('sends nothing new, however often the centre is saved, while the confirmation went to the address on the profile', async () => {
    // Prepare
    const customerId = await signUp('ana@example.com');
    const ledger = await api.store.consentLedger(customerId);
    // Act
    const responses = [];
    for (const address of ['ana@example.com', 'Ana@Example.com']) {
      await changeAddress(customerId, address);
      responses.push(await postForm(smsPreferenceLink(customerId), { action: 'save', channel1: 'email', consent: ['email:marketing'] }));
      api.clock.advance(60_000);
    }
    // Assess: the case of an address reaches the same mailbox.
    for (const response of responses) expect(response.headers.get('location')).not.toContain('email=');
    expect(await confirmationsSentTo()).toEqual([]);
    expect(await api.store.consentLedger(customerId)).toEqual(ledger);
  });

  it('asks again once the confirmation link has expired (7 days), as nothing can confirm the request then', async () => {
    // Prepare: a week and a minute after the sign-up (signUp moved the clock an hour on).
    const customerId = await signUp('ana@example.com');
    api.clock.advance(7 * 86_400_000 - 3_600_000 + 60_000);
    // Act
    const response = await postForm(smsPreferenceLink(customerId), { action: 'save', channel1: 'email', consent: ['email:marketing'] });
    // Assess
    expect(response.headers.get('location')).toContain('email=sent');
    expect(await confirmationsSentTo()).toEqual([['ana@example.com']]);
    const link = /https?:\/\/\S+\/confirm\?token=[\w.-]+/.exec((await api.ses.messages())[0]?.body.text ?? '')?.[0] ?? 'missing';
    expect(await (await pressConfirmButton(link)).text()).toContain('Subscription confirmed');
  });

  it('grants at once from a link that came by email to the corrected address, sending nothing', async () => {
    // Prepare: an email to the corrected address (a receipt, say) carries the preference link.
    const customerId = await signUp('ana@exmaple.com');
    await changeAddress(customerId, 'ana@example.com');
    const { preferences } = await linksOfEmailSentNow(customerId);
    // Act
    await postForm(preferences, { action: 'save', channel1: 'email', consent: ['email:marketing'] });
    // Assess
    expect((await emailMarketing(customerId))?.status).toBe('granted');
    expect(await confirmationsSentTo()).toEqual([]);
  });

  it('counts a request recorded before requests named their address as asked, as before, while its link lives', async () => {
    // Prepare: a pending request of an hour ago whose proof names no address.
    const customerId = await customerWith([]);
    const anHourAgo = new Date(api.clock.now().getTime() - 3_600_000).toISOString();
    await api.store.recordConsent(customerId, { channel: 'email', topic: 'marketing', status: 'pending', at: anHourAgo, proof: { source: 'web-form' } });
    await changeAddress(customerId, 'bea@example.com');
    // Act
    const response = await postForm(smsPreferenceLink(customerId), { action: 'save', channel1: 'email', consent: ['email:marketing'] });
    // Assess
    expect(response.headers.get('location')).not.toContain('email=');
    expect(await confirmationsSentTo()).toEqual([]);
  });

  it('asks the corrected address once when the customer signs up again: a tick then sends nothing more', async () => {
    // Prepare
    const customerId = await signUp('ana@exmaple.com');
    await changeAddress(customerId, 'ana@example.com');
    // Act
    await postJson(`${api.url}/consents`, captureBody(customerId, { email: 'ana@example.com', channels: ['email'] }));
    await postForm(smsPreferenceLink(customerId), { action: 'save', channel1: 'email', consent: ['email:marketing'] });
    // Assess
    expect(await confirmationsSentTo()).toEqual([['ana@example.com']]);
    expect((await emailMarketing(customerId))?.destination).toBe(destinationDigest('ana@example.com', LINK_SECRET));
  });
});

describe('truncatedIp', () => {
  it('cuts IPv4 to its /24 and IPv6 to its /48, and answers nothing for what is not an address', () => {
    // Act
    const cut = ['198.51.100.23', '::ffff:198.51.100.23', '2001:db8:85a3:8d3::1', '2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:db8::1', 'unknown'].map(truncatedIp);
    // Assess
    expect(cut).toEqual(['198.51.100.0', '198.51.100.0', '2001:db8:85a3::', '2001:db8:85a3::', '2001:db8:0::', undefined]);
  });
});

describe('GET /consents/export', () => {
  it('returns the ledger with its proofs and the current state as a JSON download', async () => {
    // Prepare
    const customerId = await customerWith([consent('email', 'marketing')]);
    await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`, { action: 'withdraw-all' });
    // Act
    const response = await fetch(`${api.url}/consents/export?token=${api.token(customerId, 'preferences')}`);
    // Assess
    const withdrawnPairs = ['email', 'mail', 'sms'].flatMap((channel) => ['marketing', 'newsletter'].map((topic) => ({ channel, topic })));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="consent-export.json"');
    expect(await response.json()).toEqual({
      customerId,
      exportedAt: '2026-03-10T15:00:00.000Z',
      consents: withdrawnPairs.map((pair) => ({ ...pair, status: 'revoked', at: '2026-03-10T15:00:00.000Z', source: 'preference-centre-withdraw-all' })),
      ledger: [
        { channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T12:00:00Z', proof: { source: 'web-form', consentTextVersion: 'v3' } },
        ...withdrawnPairs.map((pair) => ({
          ...pair,
          status: 'revoked',
          at: '2026-03-10T15:00:00.000Z',
          // The link opens the export: the IP cut to its /24, no user agent (see the test below).
          proof: { source: 'preference-centre-withdraw-all', ip: '127.0.0.0' },
        })),
      ],
      preferences: { channels: ['email', 'sms'], preferredWindow: { start: '17:00', end: '20:00' } },
      suppressions: [],
    });
  });

  it("shows only the last four digits of the number a consent to texts names: the link travels in forwarded emails and on postcards", async () => {
    // Prepare
    const customerId = newCustomerId('export-phone');
    expect((await postJson(`${api.url}/consents`, captureBody(customerId))).status).toBe(202);
    // Act
    const response = await fetch(`${api.url}/consents/export?token=${api.token(customerId, 'preferences', { channel: 'mail' })}`);
    // Assess
    const body = await response.text();
    expect(body).not.toContain('2125550143');
    const exported = JSON.parse(body) as { consents: Array<{ channel: string; phone?: string }>; ledger: Array<{ channel: string; proof: { phone?: string } }> };
    expect(exported.consents.filter((state) => state.channel === 'sms').map((state) => state.phone)).toEqual(['+•••••••0143']);
    expect(exported.ledger.filter((entry) => entry.channel === 'sms').map((entry) => entry.proof.phone)).toEqual(['+•••••••0143']);
  });

  it("cuts IPs to their network and leaves out user agents: the link travels in forwarded emails and on postcards", async () => {
    // Prepare
    const customerId = newCustomerId('export-ip');
    await api.store.putProfile(aProfile(customerId));
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) Ana-iPhone';
    await api.store.recordConsent(customerId, {
      channel: 'email',
      topic: 'marketing',
      status: 'granted',
      at: '2026-03-01T12:00:00Z',
      proof: { source: 'web-form', consentTextVersion: 'v3', ip: '198.51.100.23', userAgent: iphone },
    });
    await api.store.recordConsent(customerId, {
      channel: 'email',
      topic: 'newsletter',
      status: 'granted',
      at: '2026-03-02T12:00:00Z',
      proof: { source: 'web-form', ip: '2001:db8:85a3:8d3:1319:8a2e:370:7348', userAgent: iphone },
    });
    // Act
    const body = await (await fetch(`${api.url}/consents/export?token=${api.token(customerId, 'preferences')}`)).text();
    // Assess
    expect(body).not.toContain('198.51.100.23');
    expect(body).not.toContain('Ana-iPhone');
    expect(body).not.toContain('8d3:1319');
    const exported = JSON.parse(body) as { ledger: Array<{ proof: Record<string, unknown> }> };
    expect(exported.ledger.map((entry) => entry.proof)).toEqual([
      { source: 'web-form', consentTextVersion: 'v3', ip: '198.51.100.0' },
      { source: 'web-form', ip: '2001:db8:85a3::' },
    ]);
    // An operator's export (exportConsents, not a link) keeps them whole.
    const whole = await exportConsents(api.store, customerId, api.clock.now());
    expect(whole.ledger.map((entry) => [entry.proof.ip, entry.proof.userAgent])).toEqual([
      ['198.51.100.23', iphone],
      ['2001:db8:85a3:8d3:1319:8a2e:370:7348', iphone],
    ]);
  });

  it('answers an unknown customer with an empty export of the same shape', async () => {
    // Prepare
    const unknown = newCustomerId('nobody');
    // Act
    const response = await fetch(`${api.url}/consents/export?token=${api.token(unknown, 'preferences')}`);
    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ customerId: unknown, exportedAt: '2026-03-10T15:00:00.000Z', consents: [], ledger: [], preferences: {}, suppressions: [] });
  });

  it('refuses an unsubscribe token with a JSON 400 naming the token', async () => {
    // Prepare
    const customerId = await customerWith([]);
    // Act
    const response = await fetch(`${api.url}/consents/export?token=${api.token(customerId, 'unsubscribe')}`);
    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_token', field: 'token' } });
  });
});
