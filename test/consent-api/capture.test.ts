import { ProvisionedThroughputExceededException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { customersHoldingPhone } from '../../lib/store/phone-index';
import { destinationDigest, tokenFromUrl, verifyToken } from '../../lib/unsubscribe';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, ingestCrmConsentSync, LINK_SECRET, postJson, pressConfirmButton, startConsentApiHarness, type ConsentApiHarness } from './harness';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness();
});

afterAll(() => api.stop());

beforeEach(async () => {
  await api.ses.clear();
  // Test after test sends to ana@example.com at the same instant: each starts within a fresh budget.
  await api.forgetConfirmationBudgets();
  api.clock.set('2026-03-02T09:00:00Z');
});

/** The confirmation links of the only email in the mailbox. */
async function confirmationLinks(): Promise<string[]> {
  const messages = await api.ses.messages();
  expect(messages).toHaveLength(1);
  const text = messages[0]?.body.text ?? '';
  return [...text.matchAll(/https?:\/\/\S+\/confirm\?token=[\w.-]+/g)].map((match) => match[0]);
}

describe('POST /consents', () => {
  it('records email and SMS as pending, with the proof of the request', async () => {
    // Prepare
    const customerId = newCustomerId('capture');
    // Act
    const response = await postJson(`${api.url}/consents`, captureBody(customerId), { 'user-agent': 'Mozilla/5.0 (Test)' });
    // Assess
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'accepted', pendingConfirmation: ['email', 'sms'] });
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.profile).toMatchObject({ stage: 'prospect', timezone: 'America/New_York', email: 'ana@example.com', phone: '+12125550143' });
    expect(snapshot.preferences).toEqual({ channels: ['email', 'sms'], preferredWindow: { start: '17:00', end: '20:00' } });
    expect(snapshot.consents.map(({ channel, topic, status }) => ({ channel, topic, status }))).toEqual([
      { channel: 'email', topic: 'marketing', status: 'pending' },
      { channel: 'sms', topic: 'marketing', status: 'pending' },
    ]);
    const ledger = await api.store.consentLedger(customerId);
    expect(ledger.map((entry) => entry.proof)).toEqual([
      // The email request names the address its confirmation went to, as a keyed digest only.
      {
        source: 'web-form',
        ip: '127.0.0.1',
        userAgent: 'Mozilla/5.0 (Test)',
        consentTextVersion: 'v3',
        formId: 'signup-footer',
        destination: destinationDigest('ana@example.com', LINK_SECRET),
      },
      // The SMS request names the number it is for: only a YES from it confirms it.
      { source: 'web-form', ip: '127.0.0.1', userAgent: 'Mozilla/5.0 (Test)', consentTextVersion: 'v3', formId: 'signup-footer', phone: '+12125550143' },
    ]);
  });

  it('indexes the phone number so inbound texts find the customer', async () => {
    // Prepare
    const customerId = newCustomerId('capture');
    // Act
    await postJson(`${api.url}/consents`, captureBody(customerId, { phone: '+12125550199' }));
    // Assess
    expect(await customersHoldingPhone(api.deps.phoneIndex, '+12125550199')).toEqual([customerId]);
  });

  it('sends a double opt-in email whose link opens a page whose button grants the pending email consent', async () => {
    // Prepare
    const customerId = newCustomerId('capture');
    await postJson(`${api.url}/consents`, captureBody(customerId, { topics: ['marketing', 'newsletter'] }));
    const links = await confirmationLinks();
    expect(links).toHaveLength(2);
    const [marketingLink = ''] = links;
    // Act
    api.clock.advance(3_600_000);
    const response = await pressConfirmButton(marketingLink, { 'user-agent': 'Mail client' });
    // Assess
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Subscription confirmed');
    const snapshot = await api.store.requireSnapshot(customerId);
    const email = snapshot.consents.filter((consent) => consent.channel === 'email');
    expect(email.map(({ topic, status, source }) => ({ topic, status, source }))).toEqual([
      { topic: 'marketing', status: 'granted', source: 'double-opt-in' },
      { topic: 'newsletter', status: 'pending', source: 'web-form' },
    ]);
  });

  it('sends the confirmation as a transactional email, without an unsubscribe header', async () => {
    // Prepare
    const customerId = newCustomerId('capture');
    // Act
    await postJson(`${api.url}/consents`, captureBody(customerId));
    // Assess
    const [message] = await api.ses.messages();
    expect(message?.destination.to).toEqual(['ana@example.com']);
    expect(message?.headers?.some((header) => header.name.toLowerCase() === 'list-unsubscribe') ?? false).toBe(false);
  });

  it('keeps the consent pending when the confirmation link has expired', async () => {
    // Prepare
    const customerId = newCustomerId('capture');
    await postJson(`${api.url}/consents`, captureBody(customerId));
    const [link = ''] = await confirmationLinks();
    const before = await api.partition(customerId);
    // Act
    api.clock.advance(7 * 86_400_000);
    const opened = await fetch(link);
    const pressed = await pressConfirmButton(link);
    // Assess
    expect(opened.status).toBe(410);
    expect(pressed.status).toBe(410);
    expect(await api.partition(customerId)).toEqual(before);
  });

  it('confirms once: pressing the button again writes nothing more', async () => {
    // Prepare
    const customerId = newCustomerId('capture');
    await postJson(`${api.url}/consents`, captureBody(customerId));
    const [link = ''] = await confirmationLinks();
    api.clock.advance(60_000);
    await pressConfirmButton(link);
    const after = await api.partition(customerId);
    // Act
    api.clock.advance(60_000);
    const again = await pressConfirmButton(link);
    // Assess
    expect(again.status).toBe(200);
    expect(await api.partition(customerId)).toEqual(after);
  });

  it('answers the same for an existing customer and leaves their profile, preferences and SMS consent alone', async () => {
    // Prepare
    const customerId = newCustomerId('capture');
    const first = await postJson(`${api.url}/consents`, captureBody(customerId));
    const firstBody = await first.text();
    const before = await api.store.requireSnapshot(customerId);
    await api.ses.clear();
    // Act
    api.clock.advance(60_000);
    const second = await postJson(
      `${api.url}/consents`,
      captureBody(customerId, { email: 'attacker@example.net', phone: '+12125550100', channels: ['sms', 'email'], preferredWindow: undefined }),
    );
    // Assess
    expect(second.status).toBe(first.status);
    expect(await second.text()).toBe(firstBody);
    const after = await api.store.requireSnapshot(customerId);
    expect(after.profile).toEqual(before.profile);
    expect(after.preferences).toEqual(before.preferences);
    expect(after.consents).toEqual(before.consents);
    const [resent] = await api.ses.messages();
    expect(resent?.destination.to).toEqual(['ana@example.com']);
  });

  it('leaves a customer that another capture created between its read and its write as that capture left them', async () => {
    // Prepare: the customer's own capture lands after the other request read "no such customer".
    const customerId = newCustomerId('capture');
    const customerRecords = api.store.customerRecords.bind(api.store);
    let own: Response | undefined;
    api.store.customerRecords = async (id: string) => {
      api.store.customerRecords = customerRecords;
      const read = await customerRecords(id);
      own = await postJson(`${api.url}/consents`, captureBody(customerId));
      return read;
    };

    // Act
    const other = await postJson(
      `${api.url}/consents`,
      captureBody(customerId, { email: 'attacker@example.net', phone: '+12125550100', channels: ['sms', 'email'], preferredWindow: undefined }),
    );

    // Assess
    expect(other.status).toBe(own?.status);
    const after = await api.store.requireSnapshot(customerId);
    expect(after.profile).toMatchObject({ email: 'ana@example.com', phone: '+12125550143' });
    expect(after.preferences).toMatchObject({ channels: ['email', 'sms'], preferredWindow: { start: '17:00', end: '20:00' } });
    expect(await customersHoldingPhone({ client: api.dynamo.client, tableName: api.tableName }, '+12125550100')).toEqual([]);
    expect((await api.ses.messages()).flatMap((message) => message.destination.to)).toEqual(['ana@example.com', 'ana@example.com']);
  });

  it('sends no confirmation email to an existing customer whose email is suppressed (hard bounce / complaint)', async () => {
    // Prepare
    const customerId = newCustomerId('suppressed');
    await postJson(`${api.url}/consents`, captureBody(customerId, { channels: ['email'] }));
    await api.store.addSuppression(customerId, { channel: 'email', reason: 'complaint', at: '2026-03-02T10:00:00Z' });
    await api.ses.clear();
    api.clock.set('2026-03-03T12:00:00Z');
    // Act
    const response = await postJson(`${api.url}/consents`, captureBody(customerId, { channels: ['email'] }));
    // Assess: answered as for anyone, the request still on record as asked, and nothing mailed.
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'accepted', pendingConfirmation: ['email'] });
    expect(await api.ses.messages()).toHaveLength(0);
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.map(({ channel, status }) => `${channel}:${status}`)).toEqual(['email:pending']);
  });

  it("leaves an existing customer's withdrawn email consent revoked and mails them nothing", async () => {
    // Prepare: the customer unsubscribed yesterday; someone who knows the id posts the form.
    api.clock.set('2026-03-10T15:00:00Z');
    const customerId = newCustomerId('unsubscribed');
    await api.store.putProfile(aProfile(customerId));
    await api.store.recordConsent(customerId, { channel: 'email', topic: 'marketing', status: 'revoked', at: '2026-03-09T10:00:00Z', proof: { source: 'one-click-unsubscribe' } });
    const ledgerBefore = await api.store.consentLedger(customerId);
    await api.ses.clear();
    // Act
    const response = await postJson(`${api.url}/consents`, captureBody(customerId, { channels: ['email'], email: 'attacker@example.net' }));
    // Assess: answered as for anyone; the withdrawal stands, in the state and in the ledger, and no email went out.
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'accepted', pendingConfirmation: ['email'] });
    const email = (await api.store.requireSnapshot(customerId)).consents.find((state) => state.channel === 'email' && state.topic === 'marketing');
    expect(email?.status).toBe('revoked');
    expect(await api.store.consentLedger(customerId)).toEqual(ledgerBefore);
    expect((await api.ses.messages()).length).toBe(0);
  });

  it('still asks an existing customer for a topic never withdrawn when the same capture names a withdrawn one', async () => {
    // Prepare
    api.clock.set('2026-03-10T15:00:00Z');
    const customerId = newCustomerId('unsubscribed');
    await api.store.putProfile(aProfile(customerId));
    await api.store.recordConsent(customerId, { channel: 'email', topic: 'marketing', status: 'revoked', at: '2026-03-09T10:00:00Z', proof: { source: 'one-click-unsubscribe' } });
    // Act
    await postJson(`${api.url}/consents`, captureBody(customerId, { channels: ['email'], topics: ['marketing', 'newsletter'] }));
    // Assess
    const states = (await api.store.requireSnapshot(customerId)).consents.map(({ channel, topic, status }) => `${channel}:${topic}:${status}`);
    expect(states).toEqual(['email:marketing:revoked', 'email:newsletter:pending']);
    const links = await confirmationLinks();
    expect(links.map((link) => verifyToken(tokenFromUrl(link), LINK_SECRET, { now: api.clock.now(), purpose: 'confirm' }).topic)).toEqual(['newsletter']);
  });

  it("leaves an existing customer's withdrawn SMS consent revoked and texts them nothing", async () => {
    // Prepare: an SMS request on file whose text never went out (which a capture would send: see
    // 'POST /consents retried after a capture cut short'), then withdrawn (STOP) before any YES.
    const customerId = newCustomerId('stopped');
    await api.store.putProfile(aProfile(customerId, { updatedAt: '2026-03-02T08:00:00Z' }));
    const sms = (status: 'pending' | 'revoked', at: string, source: string) =>
      api.store.recordConsent(customerId, { channel: 'sms', topic: 'marketing', status, at, proof: { source, phone: '+12125550143' } });
    await sms('pending', '2026-03-02T08:00:00Z', 'web-form');
    await sms('revoked', '2026-03-02T08:30:00Z', 'sms-keyword');
    const textsBefore = api.smsOutbox.messages().length;
    // Act
    const response = await postJson(`${api.url}/consents`, captureBody(customerId));
    // Assess
    expect(response.status).toBe(202);
    const state = (await api.store.requireSnapshot(customerId)).consents.find((consent) => consent.channel === 'sms' && consent.topic === 'marketing');
    expect(state?.status).toBe('revoked');
    expect(api.smsOutbox.messages().length).toBe(textsBefore);
  });

  it('answers an unknown and a known customer identically', async () => {
    // Prepare
    const known = newCustomerId('capture');
    await postJson(`${api.url}/consents`, captureBody(known));
    const unknown = newCustomerId('capture');
    // Act
    const forKnown = await postJson(`${api.url}/consents`, captureBody(known));
    const forUnknown = await postJson(`${api.url}/consents`, captureBody(unknown));
    // Assess
    expect(forKnown.status).toBe(forUnknown.status);
    expect(await forKnown.text()).toBe(await forUnknown.text());
  });

  it('does not let an old confirmation link override a later withdrawal', async () => {
    // Prepare
    const customerId = newCustomerId('capture');
    await postJson(`${api.url}/consents`, captureBody(customerId));
    const [link = ''] = await confirmationLinks();
    api.clock.advance(60_000);
    await fetch(`${api.url}/unsubscribe?token=${api.token(customerId, 'unsubscribe')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    // Act and Assess
    await expectNothingToConfirm(customerId, link);
  });

  /** Opens `link` a minute later and presses its button: both pages say there is nothing to confirm, and nothing is written. */
  async function expectNothingToConfirm(customerId: string, link: string): Promise<void> {
    const before = await api.partition(customerId);
    api.clock.advance(60_000);
    const opened = await fetch(link);
    const pressed = await pressConfirmButton(link);
    for (const response of [opened, pressed]) {
      expect(response.status).toBe(200);
      const page = await response.text();
      expect(page).toContain('Nothing to confirm');
      expect(page).not.toContain('<form');
    }
    expect(await api.partition(customerId)).toEqual(before);
  }

  /** Puts `email` on the customer's profile, as an ingested event that corrects or changes the address does. */
  async function changeAddress(customerId: string, email: string): Promise<void> {
    const { profile } = await api.store.requireSnapshot(customerId);
    await api.store.putProfile({ ...profile, email, updatedAt: api.clock.now().toISOString() });
  }

  async function emailMarketingStatus(customerId: string): Promise<string | undefined> {
    const snapshot = await api.store.requireSnapshot(customerId);
    return snapshot.consents.find((consent) => consent.channel === 'email' && consent.topic === 'marketing')?.status;
  }

  it('confirms nothing with a link sent to an address the profile no longer holds', async () => {
    // Prepare: the confirmation went to a mistyped address, which the profile no longer holds.
    const customerId = newCustomerId('capture');
    await postJson(`${api.url}/consents`, captureBody(customerId, { email: 'ana@gmial.example' }));
    const [oldLink = ''] = await confirmationLinks();
    api.clock.advance(60_000);
    await changeAddress(customerId, 'ana@example.com');
    // Act and Assess: whoever reads the mistyped mailbox opens the link and presses the button.
    await expectNothingToConfirm(customerId, oldLink);
    expect(await emailMarketingStatus(customerId)).toBe('pending');
  });

  it('confirms with a link sent to the address on file, whatever its case, and with one asked for the new address', async () => {
    // Prepare
    const moved = newCustomerId('capture');
    await postJson(`${api.url}/consents`, captureBody(moved, { email: 'ana@old.example' }));
    api.clock.advance(60_000);
    await changeAddress(moved, 'ana@example.com');
    await api.ses.clear();
    await postJson(`${api.url}/consents`, captureBody(moved, { email: 'ana@example.com' }));
    const [newLink = ''] = await confirmationLinks();
    await api.ses.clear();
    const recased = newCustomerId('capture');
    await postJson(`${api.url}/consents`, captureBody(recased, { email: 'Bea@Example.com' }));
    const [recasedLink = ''] = await confirmationLinks();
    await changeAddress(recased, 'bea@example.com');
    // Act
    api.clock.advance(60_000);
    const pressed = [await pressConfirmButton(newLink), await pressConfirmButton(recasedLink)];
    // Assess
    for (const response of pressed) expect(await response.text()).toContain('Subscription confirmed');
    expect(await emailMarketingStatus(moved)).toBe('granted');
    expect(await emailMarketingStatus(recased)).toBe('granted');
  });

  /** The confirmation link a known customer got by email, and one signed for a customer who does not exist. */
  async function knownAndUnknownLinks(): Promise<{ knownLink: string; unknown: string; unknownLink: string }> {
    await postJson(`${api.url}/consents`, captureBody(newCustomerId('capture')));
    const [knownLink = ''] = await confirmationLinks();
    const unknown = newCustomerId('nobody');
    api.clock.advance(60_000);
    return { knownLink, unknown, unknownLink: `${api.url}/confirm?token=${api.token(unknown, 'confirm')}` };
  }

  it('answers a confirmation link of an unknown customer as a confirmed one, writing nothing', async () => {
    // Prepare
    const { knownLink, unknown, unknownLink } = await knownAndUnknownLinks();
    // Act
    const forKnown = await pressConfirmButton(knownLink);
    const forUnknown = await pressConfirmButton(unknownLink);
    // Assess
    expect(forUnknown.status).toBe(200);
    expect(forKnown.status).toBe(200);
    const knownPage = await forKnown.text();
    expect(knownPage).toContain('Subscription confirmed');
    expect(await forUnknown.text()).toBe(knownPage);
    expect(await api.partition(unknown)).toEqual([]);
  });

  it('shows the page of an unknown customer\'s confirmation link as a known customer\'s, writing nothing', async () => {
    // Prepare
    const { knownLink, unknown, unknownLink } = await knownAndUnknownLinks();
    // Act
    const forKnown = await fetch(knownLink);
    const forUnknown = await fetch(unknownLink);
    // Assess: the pages differ only in the link each posts back to.
    expect(forUnknown.status).toBe(forKnown.status);
    const knownPage = (await forKnown.text()).replaceAll(knownLink, '<link>');
    expect(knownPage).toContain('<form method="post" action="<link>">');
    expect((await forUnknown.text()).replaceAll(unknownLink, '<link>')).toBe(knownPage);
    expect(await api.partition(unknown)).toEqual([]);
  });

  it.each([
    ['customerId', { customerId: 'not valid!' }],
    ['timezone', { timezone: 'Mars/Base' }],
    ['channels', { channels: [] }],
    ['channels[1]', { channels: ['email', 'fax'] }],
    ['channels', { channels: ['email', 'email'] }],
    ['topics', { topics: [] }],
    ['topics[0]', { topics: ['transactional'] }],
    ['phone', { phone: undefined }],
    ['phone', { phone: '+19999999999' }],
    ['email', { email: 'not-an-address' }],
    ['preferredWindow.end', { preferredWindow: { start: '17:00', end: '25:00' } }],
    ['proof.consentTextVersion', { proof: { source: 'web-form' } }],
    ['maxPerWeek', { maxPerWeek: -1 }],
  ])('refuses a malformed capture with 400 naming %s, and stores nothing', async (field, overrides) => {
    // Prepare
    const customerId = newCustomerId('malformed');
    const body = captureBody(customerId, overrides);
    // Act
    const response = await postJson(`${api.url}/consents`, body);
    // Assess
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { error: { field: string; message: string } };
    expect(answer.error.field).toBe(field);
    expect(answer.error.message).toContain(field);
    const storedId = typeof body.customerId === 'string' && /^[\w-]+$/.test(body.customerId) ? body.customerId : customerId;
    expect(await api.partition(storedId)).toEqual([]);
  });

  it('refuses a body that is not JSON with 415', async () => {
    // Act
    const response = await fetch(`${api.url}/consents`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    // Assess
    expect(response.status).toBe(415);
  });

  it.each([
    ['cut off', '{"customerId":"c-1","channels":["email"'],
    ['empty', ''],
  ])('refuses a JSON body that is %s with 400 and the JSON error shape, not 415: its media type is right', async (_what, body) => {
    // Act
    const response = await fetch(`${api.url}/consents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    // Assess
    expect({ status: response.status, contentType: response.headers.get('content-type') }).toEqual({ status: 400, contentType: expect.stringContaining('application/json') });
    expect(await response.json()).toEqual({ error: { code: 'invalid_request', field: '(root)', message: '(root): is not valid JSON', issues: [{ field: '(root)', message: 'is not valid JSON' }] } });
  });

  it('never echoes the submitted address in an error', async () => {
    // Act
    const response = await postJson(`${api.url}/consents`, captureBody(newCustomerId('pii'), { email: 'secret.person@@example.com' }));
    // Assess
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('secret.person');
  });

  it('never echoes what a time zone field held in an error, whatever it was', async () => {
    // Act: an address a form mapped to the wrong field
    const response = await postJson(`${api.url}/consents`, captureBody(newCustomerId('pii'), { timezone: 'secret.person@example.com' }));
    // Assess
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(text).toContain('timezone');
    expect(text).not.toContain('secret.person');
  });

  it('serves the confirmation link under a base path', async () => {
    // Prepare
    const prefixed = await startConsentApiHarness({ basePath: '/overture' });
    const customerId = newCustomerId('prefixed');
    try {
      // Act
      const response = await postJson(`${prefixed.url}/consents`, captureBody(customerId));
      const [message] = await prefixed.ses.messages();
      const link = /https?:\/\/\S+\/confirm\?token=[\w.-]+/.exec(message?.body.text ?? '')?.[0] ?? '';
      prefixed.clock.advance(60_000);
      const opened = await fetch(link);
      const confirmed = await pressConfirmButton(link);
      // Assess
      expect(response.status).toBe(202);
      expect(new URL(link).pathname).toBe('/overture/confirm');
      expect(tokenFromUrl(link)).toMatch(/\./);
      expect(await opened.text()).toContain(`<form method="post" action="${link}">`);
      expect(confirmed.status).toBe(200);
      expect((await prefixed.store.requireSnapshot(customerId)).consents.find((consent) => consent.channel === 'email')?.status).toBe('granted');
    } finally {
      await prefixed.stop();
    }
  });
});

/**
 * Ingest keeps what a customer event says of a customer it knows no profile of yet (a CRM's
 * consent sync ahead of the sign-up): their consents, with proofs, and preferences.
 */
async function ingestCrmSyncWithoutProfile(customerId: string): Promise<void> {
  await ingestCrmConsentSync(api, customerId, {
    preferences: { channels: ['sms', 'email'], maxPerWeek: 1 },
    consents: [
      { channel: 'sms', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync' } },
      { channel: 'email', topic: 'marketing', status: 'revoked', proof: { source: 'crm-sync' } },
    ],
  });
}

/** What a capture could change of a customer: the profile's email, the preferences, the consent states. */
async function choicesOf(customerId: string): Promise<{ profileEmail: string | undefined; preferences: unknown; consents: string[] }> {
  const records = await api.store.customerRecords(customerId);
  return {
    profileEmail: (await api.store.getProfile(customerId))?.email,
    preferences: records.preferences,
    consents: records.consents.map((state) => `${state.channel}:${state.status}`).sort(),
  };
}

describe('POST /consents for an id with records but no profile', () => {
  it("leaves a CRM-synced customer's consents and preferences alone, and grants nothing, when an anonymous capture names its id", async () => {
    // Prepare: the CRM's consent sync reached ingest before the sign-up (no profile yet).
    const customerId = newCustomerId('crm-synced');
    await ingestCrmSyncWithoutProfile(customerId);
    const before = await choicesOf(customerId);
    expect(before).toEqual({ profileEmail: undefined, preferences: { channels: ['sms', 'email'], maxPerWeek: 1 }, consents: ['email:revoked', 'sms:granted'] });
    const ledgerBefore = await api.store.consentLedger(customerId);
    const textsBefore = api.smsOutbox.messages().length;

    // Act: anyone on the internet, knowing the id...
    const response = await postJson(
      `${api.url}/consents`,
      captureBody(customerId, { email: 'attacker@example.net', phone: '+12125550197', channels: ['email', 'sms'], maxPerWeek: 7 }),
    );
    // ...presses whatever confirmation link came to their own mailbox.
    const mail = (await api.ses.messages()).find((message) => message.destination.to.includes('attacker@example.net'));
    const link = [...(mail?.body.text ?? '').matchAll(/https?:\/\/\S+\/confirm\?token=[\w.-]+/g)].map((match) => match[0])[0];
    if (link !== undefined) await pressConfirmButton(link);

    // Assess: the same answer as for anyone, and nothing written or sent.
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'accepted', pendingConfirmation: ['email', 'sms'] });
    expect(await choicesOf(customerId)).toEqual(before);
    expect(await api.store.consentLedger(customerId)).toEqual(ledgerBefore);
    expect(await api.ses.messages()).toEqual([]);
    expect(api.smsOutbox.messages().length).toBe(textsBefore);
    expect(await customersHoldingPhone({ client: api.dynamo.client, tableName: api.tableName }, '+12125550197')).toEqual([]);
  });

  it('writes nothing when the CRM sync lands between the capture reading "no such customer" and creating one', async () => {
    // Prepare: the capture's read finds nothing; ingest writes the CRM's records just after it.
    const customerId = newCustomerId('crm-race');
    const customerRecords = api.store.customerRecords.bind(api.store);
    api.store.customerRecords = async (id: string) => {
      api.store.customerRecords = customerRecords;
      const read = await customerRecords(id);
      await ingestCrmSyncWithoutProfile(customerId);
      return read;
    };
    const textsBefore = api.smsOutbox.messages().length;

    // Act
    const response = await postJson(
      `${api.url}/consents`,
      captureBody(customerId, { email: 'attacker@example.net', phone: '+12125550198', channels: ['email', 'sms'], maxPerWeek: 7 }),
    );

    // Assess: the creation's conditions found the CRM's records, and the capture took them as an existing customer's.
    expect(response.status).toBe(202);
    expect(await choicesOf(customerId)).toEqual({ profileEmail: undefined, preferences: { channels: ['sms', 'email'], maxPerWeek: 1 }, consents: ['email:revoked', 'sms:granted'] });
    expect(await api.ses.messages()).toEqual([]);
    expect(api.smsOutbox.messages().length).toBe(textsBefore);
  });
});

/** An item a write request to the table puts: PutItem's, or each Put of a TransactWriteItems. */
function itemsPut(input: unknown): Array<Record<string, AttributeValue>> {
  const request = input as { Item?: Record<string, AttributeValue>; TransactItems?: Array<{ Put?: { Item?: Record<string, AttributeValue> } }> };
  return [request.Item, ...(request.TransactItems ?? []).map((action) => action.Put?.Item)].filter((item) => item !== undefined);
}

/**
 * Makes the first write request that puts an item `matching` fail as DynamoDB throttling does, at
 * the client every store function of the API shares: wherever the code writes that record, alone
 * or in a transaction, the request carrying it fails and the capture answers an error.
 */
function throttleFirstWriteOf(matching: (item: Record<string, AttributeValue>) => boolean): jest.SpyInstance {
  const client = api.dynamo.client;
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  let thrown = false;
  return jest.spyOn(client, 'send').mockImplementation(((command: { input: unknown }) => {
    if (thrown || !itemsPut(command.input).some(matching)) return send(command);
    thrown = true;
    return Promise.reject(new ProvisionedThroughputExceededException({ message: 'Rate of requests exceeds the allowed throughput', $metadata: {} }));
  }) as typeof client.send);
}

const sortKeyStartsWith = (prefix: string) => (item: Record<string, AttributeValue>) => item.sk?.S?.startsWith(prefix) === true;

describe('POST /consents retried after a capture cut short', () => {
  let quiet: jest.SpyInstance;
  beforeEach(() => {
    // The cut-short request answers 500, and the API reports it on the console.
    quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => quiet.mockRestore());

  /** Posts the capture with the first write of a matching item throttled, then the same capture again. */
  async function captureCutShortThenRetried(customerId: string, matching: (item: Record<string, AttributeValue>) => boolean): Promise<Response> {
    const throttled = throttleFirstWriteOf(matching);
    let first: Response;
    try {
      first = await postJson(`${api.url}/consents`, captureBody(customerId));
    } finally {
      throttled.mockRestore();
    }
    expect(first.status).toBeGreaterThanOrEqual(500);
    api.clock.advance(5_000);
    return postJson(`${api.url}/consents`, captureBody(customerId));
  }

  it('records the SMS request and texts the number when the write of a consent failed', async () => {
    // Prepare
    const customerId = newCustomerId('half');
    const textsBefore = api.smsOutbox.messages().length;
    // Act
    const retried = await captureCutShortThenRetried(customerId, sortKeyStartsWith('STATE#CONSENT#'));
    // Assess
    expect(retried.status).toBe(202);
    expect(await retried.json()).toEqual({ status: 'accepted', pendingConfirmation: ['email', 'sms'] });
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.map(({ channel, status }) => `${channel}:${status}`).sort()).toEqual(['email:pending', 'sms:pending']);
    expect(api.smsOutbox.messages().length).toBe(textsBefore + 1);
    expect((await api.ses.messages()).flatMap((message) => message.destination.to)).toEqual(['ana@example.com']);
  });

  it("keeps the customer's window and channel order when the write of the preferences failed", async () => {
    // Prepare
    const customerId = newCustomerId('half');
    const textsBefore = api.smsOutbox.messages().length;
    // Act
    const retried = await captureCutShortThenRetried(customerId, sortKeyStartsWith('STATE#PREFERENCES'));
    // Assess
    expect(retried.status).toBe(202);
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.preferences).toEqual({ channels: ['email', 'sms'], preferredWindow: { start: '17:00', end: '20:00' } });
    expect(snapshot.consents.map(({ channel, status }) => `${channel}:${status}`).sort()).toEqual(['email:pending', 'sms:pending']);
    expect(api.smsOutbox.messages().length).toBe(textsBefore + 1);
  });

  it('indexes the phone and texts the number when the write of the phone index failed after the customer was written', async () => {
    // Prepare
    const customerId = newCustomerId('half');
    const textsBefore = api.smsOutbox.messages().length;
    // Act
    const retried = await captureCutShortThenRetried(customerId, (item) => item.pk?.S === 'PHONE#+12125550143');
    // Assess
    expect(retried.status).toBe(202);
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.map(({ channel, status }) => `${channel}:${status}`).sort()).toEqual(['email:pending', 'sms:pending']);
    expect(await customersHoldingPhone({ client: api.dynamo.client, tableName: api.tableName }, '+12125550143')).toContain(customerId);
    expect(api.smsOutbox.messages().length).toBe(textsBefore + 1);
  });

  it('texts the number once however often a completed capture is repeated', async () => {
    // Prepare
    const customerId = newCustomerId('repeat');
    const textsBefore = api.smsOutbox.messages().length;
    await postJson(`${api.url}/consents`, captureBody(customerId));
    // Act
    for (const minutes of [1, 60, 24 * 60]) {
      api.clock.advance(minutes * 60_000);
      expect((await postJson(`${api.url}/consents`, captureBody(customerId))).status).toBe(202);
    }
    // Assess
    expect(api.smsOutbox.messages().length).toBe(textsBefore + 1);
  });
});
