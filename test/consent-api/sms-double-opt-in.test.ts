/**
 * SMS double opt-in, end to end on the local emulators: the consent API (dynalite, SES v2 emulator,
 * the local SMS outbox) records SMS consent as pending and texts the number; an inbound YES from
 * that number, handled as the sms-inbound function handles it, grants it; the permission gate is
 * the judge of what may be sent.
 */
import { ProviderRejectedError } from '../../lib/channels/errors';
import { countSmsSegments } from '../../lib/channels/sms-segments';
import { DEFAULT_SMS_CONFIRMATION_TEXT, SMS_CONFIRMATION_WINDOW_MS } from '../../lib/consent-api/sms-double-opt-in';
import { decideDelivery } from '../../lib/permission';
import { DEFAULT_SMS_CONFIRMED_TEXT, handleInboundSms, type InboundSmsDependencies, type InboundSmsOutcome } from '../../lib/sms-keywords/handle-inbound-sms';
import { indexProfilePhone } from '../../lib/store/phone-index';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, postForm, postJson, startConsentApiHarness, type ConsentApiHarness } from './harness';

const HELP_TEXT = 'Overture alerts. Reply STOP to opt out, START to opt back in. Msg&data rates may apply.';

let api: ConsentApiHarness;
let inbound: InboundSmsDependencies;
let phoneSequence = 0;
let textSequence = 0;

beforeAll(async () => {
  api = await startConsentApiHarness();
  // As on AWS, one number sends the API's texts and answers inbound ones, and keeps one opt-out list.
  inbound = { store: api.store, phoneIndex: api.deps.phoneIndex, replies: api.smsOutbox, helpText: HELP_TEXT, providerOptOuts: api.smsOutbox };
});
afterAll(() => api.stop());

beforeEach(async () => {
  // 10:00 in New York: texts are allowed, so the gate answers `send` wherever consent allows.
  api.clock.set('2026-03-02T15:00:00Z');
  await api.ses.clear();
});

/** A valid US number no other test uses. */
function newPhone(): string {
  phoneSequence += 1;
  return `+1212555${String(3000 + phoneSequence)}`;
}

/** A new customer captured through the public form, asking for SMS marketing only. */
async function captureSms(phone: string, customerId = newCustomerId('sms-doi')): Promise<string> {
  const response = await postJson(`${api.url}/consents`, captureBody(customerId, { phone, channels: ['sms'], email: undefined, preferredWindow: undefined }));
  expect(response.status).toBe(202);
  return customerId;
}

/** An inbound text from `from`, received now; the clock then moves on a second. */
async function text(from: string, body: string, id = `inbound-doi-${(textSequence += 1)}`): Promise<InboundSmsOutcome> {
  const outcome = await handleInboundSms(inbound, { originationNumber: from, destinationNumber: '+12125550000', messageBody: body, inboundMessageId: id }, api.clock.now().toISOString());
  api.clock.advance(1000);
  return outcome;
}

/** What the permission gate decides now for a marketing text to the customer. */
async function smsMarketing(customerId: string): Promise<string> {
  return decideDelivery(await api.store.requireSnapshot(customerId), { topic: 'marketing', channels: ['sms'] }, api.clock.now()).kind;
}

async function smsStatus(customerId: string, topic = 'marketing'): Promise<string | undefined> {
  const snapshot = await api.store.requireSnapshot(customerId);
  return snapshot.consents.find((state) => state.channel === 'sms' && state.topic === topic)?.status;
}

/** The texts the outbox accepted for `phone`: body and message type. */
function textsTo(phone: string): Array<{ body: string; type: string | undefined }> {
  return api.smsOutbox
    .messages()
    .filter((sent) => sent.input.DestinationPhoneNumber === phone)
    .map((sent) => ({ body: sent.input.MessageBody, type: sent.input.MessageType }));
}

describe('SMS double opt-in at capture', () => {
  it('sends no marketing text to a captured number until a YES comes from it, then grants and answers', async () => {
    // Prepare
    const phone = newPhone();
    const customerId = await captureSms(phone);
    api.clock.advance(60_000);
    // Assess: pending, one transactional confirmation text, nothing sendable.
    expect(await smsStatus(customerId)).toBe('pending');
    expect(await smsMarketing(customerId)).toBe('skip');
    expect(textsTo(phone)).toEqual([{ body: DEFAULT_SMS_CONFIRMATION_TEXT, type: 'TRANSACTIONAL' }]);
    // Act
    const outcome = await text(phone, 'YES');
    // Assess
    expect(outcome).toEqual({ kind: 'confirmed', keyword: 'YES', customers: [{ customerId, topics: ['marketing'] }], replied: true });
    expect(await smsMarketing(customerId)).toBe('send');
    expect(textsTo(phone).at(-1)).toEqual({ body: DEFAULT_SMS_CONFIRMED_TEXT, type: 'TRANSACTIONAL' });
    const ledger = await api.store.consentLedger(customerId);
    expect(ledger.at(-1)).toMatchObject({ channel: 'sms', status: 'granted', proof: { source: 'sms-keyword:YES' } });
  });

  it('asks in one GSM-7 segment that names the program and says YES, STOP and HELP', () => {
    // Act
    const segments = countSmsSegments(DEFAULT_SMS_CONFIRMATION_TEXT);
    // Assess
    expect(segments).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(DEFAULT_SMS_CONFIRMATION_TEXT).toMatch(/^Overture alerts: .*\bYES\b.*\bSTOP\b.*\bHELP\b/);
    expect(countSmsSegments(DEFAULT_SMS_CONFIRMED_TEXT).segments).toBe(1);
  });

  it('confirms with Y as with YES, but not with "yes please" or "ok"', async () => {
    // Prepare
    const phone = newPhone();
    const customerId = await captureSms(phone);
    api.clock.advance(60_000);
    // Act
    const loose = [await text(phone, 'yes please'), await text(phone, 'ok')];
    const pendingAfterLoose = await smsStatus(customerId);
    const short = await text(phone, ' y ');
    // Assess
    expect(loose.map((outcome) => outcome.kind)).toEqual(['not_a_keyword', 'not_a_keyword']);
    expect(pendingAfterLoose).toBe('pending');
    expect(short).toMatchObject({ kind: 'confirmed', keyword: 'Y' });
    expect(await smsMarketing(customerId)).toBe('send');
  });

  it('does nothing for a YES from another number, and answers it as HELP', async () => {
    // Prepare
    const phone = newPhone();
    const other = newPhone();
    const customerId = await captureSms(phone);
    api.clock.advance(60_000);
    // Act
    const outcome = await text(other, 'YES');
    // Assess
    expect(outcome).toEqual({ kind: 'nothing_to_confirm', keyword: 'YES', customerIds: [], replied: true });
    expect(textsTo(other)).toEqual([{ body: HELP_TEXT, type: 'TRANSACTIONAL' }]);
    expect(await smsStatus(customerId)).toBe('pending');
    expect(await smsMarketing(customerId)).toBe('skip');
  });

  it('does nothing for a YES that comes after the confirmation window', async () => {
    // Prepare
    const phone = newPhone();
    const customerId = await captureSms(phone);
    api.clock.advance(SMS_CONFIRMATION_WINDOW_MS + 60_000);
    // Act
    const outcome = await text(phone, 'YES');
    // Assess
    expect(outcome).toMatchObject({ kind: 'nothing_to_confirm', customerIds: [customerId] });
    expect(await smsStatus(customerId)).toBe('pending');
    expect(await smsMarketing(customerId)).toBe('skip');
  });

  it('grants a YES that comes just inside the window', async () => {
    // Prepare
    const phone = newPhone();
    const customerId = await captureSms(phone);
    api.clock.advance(SMS_CONFIRMATION_WINDOW_MS - 60_000);
    // Act
    const outcome = await text(phone, 'YES');
    // Assess
    expect(outcome.kind).toBe('confirmed');
    expect(await smsMarketing(customerId)).toBe('send');
  });

  it('lets a STOP after the request win over a later YES', async () => {
    // Prepare
    const phone = newPhone();
    const customerId = await captureSms(phone);
    api.clock.advance(60_000);
    await text(phone, 'STOP');
    // Act
    const outcome = await text(phone, 'YES');
    // Assess
    expect(outcome).toMatchObject({ kind: 'nothing_to_confirm', customerIds: [customerId] });
    expect(await smsStatus(customerId)).toBe('revoked');
    expect(await smsMarketing(customerId)).toBe('skip');
  });

  it('lets a STOP win over a YES stamped after it but processed first, and writes nothing more on its redelivery', async () => {
    // Prepare: the STOP reached SNS before the YES, but its delivery is handled after the YES's.
    const phone = newPhone();
    const customerId = await captureSms(phone);
    api.clock.advance(60_000);
    const stoppedAt = api.clock.now().toISOString();
    api.clock.advance(5_000);
    expect((await text(phone, 'YES')).kind).toBe('confirmed');
    const stop = { originationNumber: phone, destinationNumber: '+12125550000', messageBody: 'STOP', inboundMessageId: 'inbound-doi-late-stop' };
    // Act
    await handleInboundSms(inbound, stop, stoppedAt);
    const after = await api.partition(customerId);
    await handleInboundSms(inbound, stop, stoppedAt);
    // Assess
    expect(await smsStatus(customerId)).toBe('revoked');
    expect(await smsMarketing(customerId)).toBe('skip');
    expect(await api.partition(customerId)).toEqual(after);
  });

  it('writes nothing more and answers once when SNS delivers the same YES twice', async () => {
    // Prepare
    const phone = newPhone();
    const customerId = await captureSms(phone);
    api.clock.advance(60_000);
    const at = api.clock.now().toISOString();
    const message = { originationNumber: phone, destinationNumber: '+12125550000', messageBody: 'YES', inboundMessageId: 'inbound-doi-twice' };
    const first = await handleInboundSms(inbound, message, at);
    const after = await api.partition(customerId);
    // Act
    const again = await handleInboundSms(inbound, message, at);
    // Assess
    expect(first).toEqual({ kind: 'confirmed', keyword: 'YES', customers: [{ customerId, topics: ['marketing'] }], replied: true });
    expect(again).toEqual({ ...first, replied: false });
    expect(await api.partition(customerId)).toEqual(after);
    expect(textsTo(phone).filter((sent) => sent.body === DEFAULT_SMS_CONFIRMED_TEXT)).toHaveLength(1);
  });

  it('grants a YES whose answer the provider refused for a fixable reason, and answers it once on the retry', async () => {
    // Prepare: the origination identity is not the function's to use (AccessDeniedException), until an operator fixes it.
    const phone = newPhone();
    const customerId = await captureSms(phone);
    api.clock.advance(60_000);
    const yes = { originationNumber: phone, destinationNumber: '+12125550000', messageBody: 'YES', inboundMessageId: 'inbound-doi-refused-answer' };
    const at = api.clock.now().toISOString();
    const refusing = { send: () => Promise.reject(new ProviderRejectedError({ provider: 'sms', code: 'AccessDeniedException', httpStatusCode: 403 })) };
    // Act
    const first = handleInboundSms({ ...inbound, replies: refusing }, yes, at);
    await expect(first).rejects.toThrow(ProviderRejectedError);
    const retried = await handleInboundSms(inbound, yes, at);
    // Assess
    expect(retried).toEqual({ kind: 'confirmed', keyword: 'YES', customers: [{ customerId, topics: ['marketing'] }], replied: true });
    expect(await smsStatus(customerId)).toBe('granted');
    expect(textsTo(phone).filter((sent) => sent.body === DEFAULT_SMS_CONFIRMED_TEXT)).toHaveLength(1);
  });

  it('grants the pending requests of every customer whose profile holds the number, and leaves the others alone', async () => {
    // Prepare: two captures naming one number, and a customer elsewhere with a pending request.
    const phone = newPhone();
    const first = await captureSms(phone);
    const second = await captureSms(phone);
    const elsewhere = await captureSms(newPhone());
    api.clock.advance(60_000);
    // Act
    const outcome = await text(phone, 'YES');
    // Assess
    expect(outcome).toMatchObject({ kind: 'confirmed', customers: [{ customerId: first }, { customerId: second }].sort((a, b) => a.customerId.localeCompare(b.customerId)) });
    expect([await smsMarketing(first), await smsMarketing(second), await smsMarketing(elsewhere)]).toEqual(['send', 'send', 'skip']);
  });

  it('does not grant a customer the index still lists whose profile has moved to another number', async () => {
    // Prepare
    const phone = newPhone();
    const customerId = await captureSms(phone);
    const moved = aProfile(customerId, { phone: newPhone(), updatedAt: api.clock.now().toISOString() });
    await api.store.putProfile(moved);
    await indexProfilePhone(api.deps.phoneIndex, moved);
    api.clock.advance(60_000);
    // Act
    const outcome = await text(phone, 'YES');
    // Assess
    expect(outcome).toMatchObject({ kind: 'nothing_to_confirm', customerIds: [] });
    expect(await smsStatus(customerId)).toBe('pending');
  });

  it('does not grant, on a YES from the new number, a request whose text went to the number the profile held before', async () => {
    // Prepare: captured with one number, then an ingested event moves the customer to another.
    const before = newPhone();
    const after = newPhone();
    const customerId = await captureSms(before);
    const moved = aProfile(customerId, { phone: after, updatedAt: api.clock.now().toISOString() });
    await api.store.putProfile(moved);
    await indexProfilePhone(api.deps.phoneIndex, moved);
    api.clock.advance(60_000);
    // Act
    const outcome = await text(after, 'YES');
    // Assess
    expect(outcome).toMatchObject({ kind: 'nothing_to_confirm', customerIds: [customerId] });
    expect(await smsStatus(customerId)).toBe('pending');
    expect(await smsMarketing(customerId)).toBe('skip');
  });

  it('does not grant a request whose confirmation text the provider refused', async () => {
    // Prepare: the number is on the provider's opt-out list, so the confirmation text is refused.
    const phone = newPhone();
    await text(phone, 'STOP');
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    let customerId: string;
    try {
      customerId = await captureSms(phone);
    } finally {
      warn.mockRestore();
    }
    api.clock.advance(60_000);
    // Act
    const outcome = await text(phone, 'YES');
    // Assess
    expect(textsTo(phone).filter((sent) => sent.body === DEFAULT_SMS_CONFIRMATION_TEXT)).toEqual([]);
    expect(outcome).toMatchObject({ kind: 'nothing_to_confirm', customerIds: [customerId] });
    expect(await smsStatus(customerId)).toBe('pending');
  });

  it('texts nobody when the customer exists already, whatever number the request names', async () => {
    // Prepare
    const phone = newPhone();
    const customerId = await captureSms(phone);
    const sent = api.smsOutbox.messages().length;
    const stranger = newPhone();
    // Act
    await captureSms(stranger, customerId);
    await captureSms(phone, customerId);
    // Assess
    expect(api.smsOutbox.messages()).toHaveLength(sent);
    expect(await smsStatus(customerId)).toBe('pending');
  });

  it('answers 202 with the consent pending when the provider refuses the confirmation text, and logs no number', async () => {
    // Prepare: a number on the provider's opt-out list (it said STOP before anyone captured it).
    const phone = newPhone();
    await text(phone, 'STOP');
    const warned: unknown[][] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void warned.push(args));
    let response: Response;
    const customerId = newCustomerId('sms-doi-refused');
    try {
      // Act
      response = await postJson(`${api.url}/consents`, captureBody(customerId, { phone, channels: ['sms'], email: undefined }));
    } finally {
      warn.mockRestore();
    }
    // Assess
    expect(response.status).toBe(202);
    expect(await smsStatus(customerId)).toBe('pending');
    expect(textsTo(phone)).toEqual([]);
    expect(JSON.stringify(warned)).toContain('confirmation text not sent');
    expect(JSON.stringify(warned)).toContain('RecipientOptedOutError');
    expect(JSON.stringify(warned)).not.toContain(phone);
  });
});

describe('SMS double opt-in in the preference centre', () => {
  /** A stored customer with a phone, SMS marketing `status` (or none), reached by a link that came by `linkChannel`. */
  async function customerWithPhone(status?: 'revoked' | 'pending', at = '2026-03-01T12:00:00Z'): Promise<{ customerId: string; phone: string }> {
    const customerId = newCustomerId('sms-doi-prefs');
    const phone = newPhone();
    const profile = aProfile(customerId, { phone });
    await api.store.putProfile(profile);
    await indexProfilePhone(api.deps.phoneIndex, profile);
    await api.store.putPreferences(customerId, { channels: ['email', 'sms'] });
    if (status !== undefined) await api.store.recordConsent(customerId, { channel: 'sms', topic: 'marketing', status, at, proof: { source: 'web-form' } });
    return { customerId, phone };
  }

  function tick(customerId: string, linkChannel: 'email' | 'sms' | 'mail'): Promise<Response> {
    return postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: linkChannel })}`, {
      action: 'save',
      channel1: 'email',
      channel2: 'sms',
      consent: ['sms:marketing'],
    });
  }

  it('records SMS as pending and texts the number when SMS is ticked from a link that came by email', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone('revoked');
    // Act
    const response = await tick(customerId, 'email');
    // Assess
    expect(response.status).toBe(303);
    expect(await smsStatus(customerId)).toBe('pending');
    expect(await smsMarketing(customerId)).toBe('skip');
    expect(textsTo(phone)).toEqual([{ body: DEFAULT_SMS_CONFIRMATION_TEXT, type: 'TRANSACTIONAL' }]);
    api.clock.advance(60_000);
    expect((await text(phone, 'YES')).kind).toBe('confirmed');
    expect(await smsMarketing(customerId)).toBe('send');
  });

  it('grants SMS at once, with no text, when it is ticked from a link that came by SMS', async () => {
    // Prepare
    const { customerId, phone } = await customerWithPhone();
    // Act
    await tick(customerId, 'sms');
    // Assess
    expect(await smsStatus(customerId)).toBe('granted');
    expect(textsTo(phone)).toEqual([]);
    expect(await smsMarketing(customerId)).toBe('send');
  });

  it('texts the number once per window however often SMS is unticked and ticked again, and says so on the page', async () => {
    // Prepare: a forwarded link that came by email.
    const { customerId, phone } = await customerWithPhone('revoked');
    const untick = () =>
      postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences', { channel: 'email' })}`, { action: 'save', channel1: 'email', channel2: 'sms' });
    // Act
    const first = await tick(customerId, 'email');
    const later: Response[] = [];
    for (let round = 0; round < 3; round += 1) {
      api.clock.advance(60_000);
      await untick();
      api.clock.advance(60_000);
      later.push(await tick(customerId, 'email'));
    }
    // Assess
    expect(textsTo(phone)).toEqual([{ body: DEFAULT_SMS_CONFIRMATION_TEXT, type: 'TRANSACTIONAL' }]);
    expect(first.headers.get('location')).toMatch(/&sms=sent$/);
    expect(later.map((response) => new URL(response.headers.get('location') ?? '').searchParams.get('sms'))).toEqual(['sent_recently', 'sent_recently', 'sent_recently']);
    const page = await (await fetch(later[0]?.headers.get('location') ?? '')).text();
    expect(page).toContain('so we have not texted it again');
    // The one text's YES still confirms the latest request.
    api.clock.advance(60_000);
    expect((await text(phone, 'YES')).kind).toBe('confirmed');
    expect(await smsMarketing(customerId)).toBe('send');
  });

  it('asks again, with a text to the new number, when SMS is ticked over a request made for the number the profile held before', async () => {
    // Prepare: a pending request for the old number, recorded before the profile moved.
    const { customerId, phone: before } = await customerWithPhone();
    await tick(customerId, 'email');
    const after = newPhone();
    const moved = aProfile(customerId, { phone: after, updatedAt: api.clock.now().toISOString() });
    await api.store.putProfile(moved);
    await indexProfilePhone(api.deps.phoneIndex, moved);
    api.clock.advance(60_000);
    // Act
    await tick(customerId, 'email');
    api.clock.advance(60_000);
    const fromBefore = await text(before, 'YES');
    const fromAfter = await text(after, 'YES');
    // Assess
    expect(textsTo(after)[0]).toEqual({ body: DEFAULT_SMS_CONFIRMATION_TEXT, type: 'TRANSACTIONAL' });
    expect([fromBefore.kind, fromAfter.kind]).toEqual(['nothing_to_confirm', 'confirmed']);
    expect(await smsMarketing(customerId)).toBe('send');
  });

  it('asks again, with a new text, when SMS is ticked over a request older than the window', async () => {
    // Prepare
    const requestedAt = new Date(api.clock.now().getTime() - SMS_CONFIRMATION_WINDOW_MS - 60_000).toISOString();
    const { customerId, phone } = await customerWithPhone('pending', requestedAt);
    // Act
    await tick(customerId, 'email');
    api.clock.advance(60_000);
    const outcome = await text(phone, 'YES');
    // Assess
    expect(textsTo(phone)[0]).toEqual({ body: DEFAULT_SMS_CONFIRMATION_TEXT, type: 'TRANSACTIONAL' });
    expect(outcome.kind).toBe('confirmed');
    expect(await smsMarketing(customerId)).toBe('send');
  });
});
