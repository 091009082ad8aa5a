/**
 * The per-destination budget of double opt-in confirmations (lib/consent-api/confirmation-budget.ts),
 * on the local emulators: however many captures name one address or number, under new customer
 * ids or one existing id, and however the preference centre is saved, at most
 * CONFIRMATION_BUDGET.messages confirmations reach it in any CONFIRMATION_BUDGET.windowMs; every
 * request is answered the same; a withheld confirmation leaves the consent pending, unconfirmable
 * by YES, and is reported with ids only.
 */
import { CONFIRMATION_BUDGET } from '../../lib/consent-api/confirmation-budget';
import { DEFAULT_SMS_CONFIRMATION_TEXT } from '../../lib/consent-api/sms-double-opt-in';
import { handleInboundSms, type InboundSmsDependencies } from '../../lib/sms-keywords/handle-inbound-sms';
import { lastConfirmationTextAt } from '../../lib/store/sms-confirmation-texts';
import { indexProfilePhone } from '../../lib/store/phone-index';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, postForm, postJson, pressConfirmButton, startConsentApiHarness, type ConsentApiHarness } from './harness';

const ATTEMPTS = 50;

let api: ConsentApiHarness;
let inbound: InboundSmsDependencies;
let warn: jest.SpyInstance;
let sequence = 0;

beforeAll(async () => {
  api = await startConsentApiHarness();
  inbound = { store: api.store, phoneIndex: api.deps.phoneIndex, replies: api.smsOutbox, helpText: 'help', providerOptOuts: api.smsOutbox };
});
afterAll(() => api.stop());

beforeEach(async () => {
  // 10:00 in New York: texts are allowed.
  api.clock.set('2026-03-02T15:00:00Z');
  await api.ses.clear();
  // A withheld confirmation is reported on console.warn when nobody else listens.
  warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => warn.mockRestore());

/** An address and a number no other test uses. */
function newDestination(): { email: string; phone: string } {
  sequence += 1;
  return { email: `victim-${sequence}@example.com`, phone: `+1646555${String(1000 + sequence)}` };
}

/** A capture as the public form posts it; the clock then moves on a second. */
async function capture(customerId: string, overrides: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const response = await postJson(`${api.url}/consents`, captureBody(customerId, { preferredWindow: undefined, ...overrides }));
  api.clock.advance(1000);
  return { status: response.status, body: await response.json() };
}

async function emailsTo(address: string): Promise<number> {
  return (await api.ses.messages()).filter((message) => message.destination.to.includes(address)).length;
}

/** The confirmation texts the outbox accepted for `phone`, with the customer each was for. */
function confirmationTextsTo(phone: string): string[] {
  return api.smsOutbox
    .messages()
    .filter((text) => text.input.DestinationPhoneNumber === phone && text.input.MessageBody === DEFAULT_SMS_CONFIRMATION_TEXT)
    .map((text) => text.input.Context?.customer_id ?? '');
}

async function status(customerId: string, channel: 'email' | 'sms'): Promise<string | undefined> {
  return (await api.store.requireSnapshot(customerId)).consents.find((state) => state.channel === channel && state.topic === 'marketing')?.status;
}

/** Every line console.warn was given, as JSON. */
function warnings(): string {
  return JSON.stringify(warn.mock.calls);
}

describe('the per-destination confirmation budget', () => {
  it(`mails one address at most ${CONFIRMATION_BUDGET.messages} confirmations for ${ATTEMPTS} captures under new customer ids, answering each the same`, async () => {
    // Prepare
    const { email } = newDestination();
    const customers = Array.from({ length: ATTEMPTS }, () => newCustomerId('bomb-email'));
    // Act
    const answers = [];
    for (const customerId of customers) answers.push(await capture(customerId, { email, phone: undefined, channels: ['email'] }));
    // Assess
    expect(await emailsTo(email)).toBe(CONFIRMATION_BUDGET.messages);
    expect(new Set(answers.map((answer) => JSON.stringify(answer)))).toEqual(new Set([JSON.stringify({ status: 202, body: { status: 'accepted', pendingConfirmation: ['email'] } })]));
    for (const customerId of customers) expect(await status(customerId, 'email')).toBe('pending');
  });

  it(`texts one number at most ${CONFIRMATION_BUDGET.messages} confirmations for ${ATTEMPTS} captures under new customer ids`, async () => {
    // Prepare
    const { phone } = newDestination();
    const customers = Array.from({ length: ATTEMPTS }, () => newCustomerId('bomb-sms'));
    // Act
    const answers = [];
    for (const customerId of customers) answers.push(await capture(customerId, { email: undefined, phone, channels: ['sms'] }));
    // Assess
    expect(confirmationTextsTo(phone)).toEqual(customers.slice(0, CONFIRMATION_BUDGET.messages));
    expect(new Set(answers.map((answer) => answer.status))).toEqual(new Set([202]));
    for (const customerId of customers) expect(await status(customerId, 'sms')).toBe('pending');
  });

  it('counts an address however it is written: case, +tags, and Gmail dots reach one mailbox', async () => {
    // Prepare
    sequence += 1;
    const variants = [`victim${sequence}@gmail.com`, `Victim${sequence}@Gmail.com`, `victim${sequence}+a@gmail.com`, `v.ictim${sequence}@googlemail.com`, `vic.tim${sequence}+news@gmail.com`];
    // Act
    for (let attempt = 0; attempt < 10; attempt += 1) {
      await capture(newCustomerId('bomb-variant'), { email: variants[attempt % variants.length], phone: undefined, channels: ['email'] });
    }
    // Assess
    const delivered = (await api.ses.messages()).filter((message) => message.destination.to.some((to) => variants.includes(to)));
    expect(delivered).toHaveLength(CONFIRMATION_BUDGET.messages);
  });

  it(`mails an existing customer's address on file at most ${CONFIRMATION_BUDGET.messages} confirmations however often the customer is captured again`, async () => {
    // Prepare
    const { email } = newDestination();
    const customerId = newCustomerId('bomb-existing');
    await capture(customerId, { email, phone: undefined, channels: ['email'] });
    // Act: the same id again and again, naming another address (the confirmation goes to the one on file).
    for (let attempt = 1; attempt < ATTEMPTS; attempt += 1) {
      const answer = await capture(customerId, { email: 'attacker@example.com', phone: undefined, channels: ['email'] });
      expect(answer).toEqual({ status: 202, body: { status: 'accepted', pendingConfirmation: ['email'] } });
    }
    // Assess
    expect(await emailsTo(email)).toBe(CONFIRMATION_BUDGET.messages);
    expect(await emailsTo('attacker@example.com')).toBe(0);
    expect(await status(customerId, 'email')).toBe('pending');
  });

  it('sends one more once the window has passed since the first, and only as many as left the window', async () => {
    // Prepare: the budget spent, one confirmation a minute.
    const { email, phone } = newDestination();
    for (let attempt = 0; attempt < CONFIRMATION_BUDGET.messages + 2; attempt += 1) {
      await capture(newCustomerId('window'), { email, phone, channels: ['email', 'sms'] });
      api.clock.advance(59_000);
    }
    expect(await emailsTo(email)).toBe(CONFIRMATION_BUDGET.messages);
    // Act: just inside the window of the first, then just past it.
    api.clock.set(new Date(Date.parse('2026-03-02T15:00:00Z') + CONFIRMATION_BUDGET.windowMs - 1000));
    await capture(newCustomerId('window'), { email, phone, channels: ['email', 'sms'] });
    const insideWindow = { emails: await emailsTo(email), texts: confirmationTextsTo(phone).length };
    api.clock.set(new Date(Date.parse('2026-03-02T15:00:00Z') + CONFIRMATION_BUDGET.windowMs + 1000));
    const late = newCustomerId('window');
    await capture(late, { email, phone, channels: ['email', 'sms'] });
    await capture(newCustomerId('window'), { email, phone, channels: ['email', 'sms'] });
    // Assess: the first left the window, so one more of each went out, and no second.
    expect(insideWindow).toEqual({ emails: CONFIRMATION_BUDGET.messages, texts: CONFIRMATION_BUDGET.messages });
    expect(await emailsTo(email)).toBe(CONFIRMATION_BUDGET.messages + 1);
    expect(confirmationTextsTo(phone)).toHaveLength(CONFIRMATION_BUDGET.messages + 1);
    expect(confirmationTextsTo(phone).at(-1)).toBe(late);
  });

  it('leaves a withheld request pending, confirmable by no YES, while the YES confirms every request whose text went out', async () => {
    // Prepare: the number's budget spent by three customers, then one more asks.
    const { phone } = newDestination();
    const texted = [];
    for (let index = 0; index < CONFIRMATION_BUDGET.messages; index += 1) {
      const customerId = newCustomerId('texted');
      await capture(customerId, { email: undefined, phone, channels: ['sms'] });
      texted.push(customerId);
    }
    const withheld = newCustomerId('withheld');
    await capture(withheld, { email: undefined, phone, channels: ['sms'] });
    // Act
    const outcome = await handleInboundSms(
      inbound,
      { originationNumber: phone, destinationNumber: '+12125550000', messageBody: 'YES', inboundMessageId: `inbound-budget-${sequence}` },
      api.clock.now().toISOString(),
    );
    // Assess
    expect(outcome).toEqual(expect.objectContaining({ kind: 'confirmed', customers: texted.map((customerId) => ({ customerId, topics: ['marketing'] })) }));
    for (const customerId of texted) expect(await status(customerId, 'sms')).toBe('granted');
    expect(await status(withheld, 'sms')).toBe('pending');
    expect(await lastConfirmationTextAt(api.deps.phoneIndex, withheld, phone)).toBeUndefined();
    expect(confirmationTextsTo(phone)).not.toContain(withheld);
  });

  it("answers a customer whose number was texted for them within the week 'sent_recently', not over the budget, and that text's YES confirms the new request", async () => {
    // Prepare: the customer's capture texts the number; two other captures spend the rest of its budget.
    const { phone } = newDestination();
    const customerId = newCustomerId('asked-before');
    await capture(customerId, { email: undefined, phone, channels: ['sms'] });
    for (let index = 1; index < CONFIRMATION_BUDGET.messages; index += 1) await capture(newCustomerId('spender'), { email: undefined, phone, channels: ['sms'] });
    const token = api.token(customerId, 'preferences', { channel: 'mail' });
    const form = { action: 'save', channel1: 'sms', channel2: 'email', channel3: 'mail', windowStart: '', windowEnd: '', quietStart: '', quietEnd: '', maxPerWeek: '' };
    await postForm(`${api.url}/preferences?token=${token}`, { ...form, consent: [] });
    api.clock.advance(1000);
    // Act: SMS ticked again, the number's budget spent.
    const saved = await postForm(`${api.url}/preferences?token=${token}`, { ...form, consent: ['sms:marketing'] });
    const yes = await handleInboundSms(
      inbound,
      { originationNumber: phone, destinationNumber: '+12125550000', messageBody: 'YES', inboundMessageId: `inbound-budget-recent-${sequence}` },
      new Date(api.clock.now().getTime() + 1000).toISOString(),
    );
    // Assess
    expect(new URL(saved.headers.get('location') ?? '', api.url).searchParams.get('sms')).toBe('sent_recently');
    expect(confirmationTextsTo(phone).filter((id) => id === customerId)).toHaveLength(1);
    expect(yes).toEqual(expect.objectContaining({ kind: 'confirmed' }));
    expect(await status(customerId, 'sms')).toBe('granted');
  });

  it('reports a withheld confirmation with the customer id and never the address or number', async () => {
    // Prepare
    const { email, phone } = newDestination();
    for (let index = 0; index < CONFIRMATION_BUDGET.messages; index += 1) await capture(newCustomerId('reported'), { email, phone, channels: ['email', 'sms'] });
    warn.mockClear();
    const customerId = newCustomerId('reported');
    // Act
    await capture(customerId, { email, phone, channels: ['email', 'sms'] });
    // Assess
    expect(warn.mock.calls.map(([line, facts]) => [line, (facts as { customerId: string }).customerId, (facts as { error: { name: string } }).error.name])).toEqual([
      ['confirmation email not sent', customerId, 'ConfirmationBudgetExceededError'],
      ['confirmation text not sent', customerId, 'ConfirmationBudgetExceededError'],
    ]);
    expect(warnings()).not.toContain(email);
    expect(warnings()).not.toContain(phone);
    expect(warnings()).not.toContain(phone.slice(1));
  });

  it("applies the same budget to the preference centre's SMS and email ticks, and says the day's confirmations were used up", async () => {
    // Prepare: a customer holding the number and address, who has asked for nothing yet; three captures spend both budgets.
    const { email, phone } = newDestination();
    const customerId = newCustomerId('ticker');
    await api.store.putProfile(aProfile(customerId, { email, phone }));
    await indexProfilePhone(api.deps.phoneIndex, aProfile(customerId, { email, phone }));
    for (let index = 0; index < CONFIRMATION_BUDGET.messages; index += 1) await capture(newCustomerId('spender'), { email, phone, channels: ['email', 'sms'] });
    // Act: a tick of SMS and email from a link that came by post.
    const token = api.token(customerId, 'preferences', { channel: 'mail' });
    const saved = await postForm(`${api.url}/preferences?token=${token}`, {
      action: 'save', channel1: 'sms', channel2: 'email', channel3: 'mail', consent: ['sms:marketing', 'email:marketing'],
      windowStart: '', windowEnd: '', quietStart: '', quietEnd: '', maxPerWeek: '',
    });
    // Assess
    expect(saved.status).toBe(303);
    const location = new URL(saved.headers.get('location') ?? '', api.url);
    expect([location.searchParams.get('sms'), location.searchParams.get('email')]).toEqual(['limit_reached', 'limit_reached']);
    const page = await (await fetch(location)).text();
    expect(page).toContain('This number has had several confirmation texts from us today');
    expect(page).toContain('This address has had several confirmation emails from us today');
    expect(confirmationTextsTo(phone)).not.toContain(customerId);
    expect(await emailsTo(email)).toBe(CONFIRMATION_BUDGET.messages);
    expect([await status(customerId, 'sms'), await status(customerId, 'email')]).toEqual(['pending', 'pending']);
  });

  it('does not count a text the provider refused: after the number says START, as many go out as the budget allows, and no more', async () => {
    // Prepare: the number is on the provider's opt-out list while ten captures name it.
    const { phone } = newDestination();
    api.smsOutbox.optOut(phone);
    for (let index = 0; index < 10; index += 1) await capture(newCustomerId('opted-out'), { email: undefined, phone, channels: ['sms'] });
    api.smsOutbox.optIn(phone);
    // Act
    for (let index = 0; index < 10; index += 1) await capture(newCustomerId('opted-in'), { email: undefined, phone, channels: ['sms'] });
    // Assess
    expect(confirmationTextsTo(phone)).toHaveLength(CONFIRMATION_BUDGET.messages);
  });

  it('lets a confirmation link that went out confirm, even once the budget is spent', async () => {
    // Prepare
    const { email } = newDestination();
    const customers = Array.from({ length: CONFIRMATION_BUDGET.messages + 3 }, () => newCustomerId('link'));
    for (const customerId of customers) await capture(customerId, { email, phone: undefined, channels: ['email'] });
    const links = (await api.ses.messages()).flatMap((message) => [...(message.body.text ?? '').matchAll(/https?:\/\/\S+\/confirm\?token=[\w.-]+/g)].map((match) => match[0]));
    // Act
    for (const link of links) expect((await pressConfirmButton(link)).status).toBe(200);
    // Assess
    expect(links).toHaveLength(CONFIRMATION_BUDGET.messages);
    const statuses = await Promise.all(customers.map((customerId) => status(customerId, 'email')));
    expect(statuses).toEqual([...Array(CONFIRMATION_BUDGET.messages).fill('granted'), 'pending', 'pending', 'pending']);
  });
});
