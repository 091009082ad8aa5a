/**
 * The per-destination confirmation budget, whatever happens in whatever order: captures of new
 * customers and of existing ones, preference-centre saves that tick or untick email and SMS,
 * corrections of a customer's address, YES from the numbers, and waits of a minute to two days,
 * over a few shared addresses and numbers, on the consent API and the inbound-SMS handler on the
 * dynalite and SES emulators with a virtual clock.
 *
 * After every step: no address and no number has had more than CONFIRMATION_BUDGET.messages
 * confirmations within any CONFIRMATION_BUDGET.windowMs; and after a save that ticks email, an
 * email request still pending is one for the address on the profile now (a request whose
 * confirmation went to an address corrected since is asked again). At the end of each history:
 * every confirmation that went out still lets its customer confirm — a YES from the number grants
 * the SMS request of each customer texted within the SMS window, and each confirmation email's
 * link grants its email consent while the profile holds the address it went to — unless the
 * customer withdrew since; and a customer never texted is granted nothing by a YES.
 */
import fc from 'fast-check';
import { CONFIRMATION_BUDGET } from '../../lib/consent-api/confirmation-budget';
import { DEFAULT_SMS_CONFIRMATION_TEXT, SMS_CONFIRMATION_WINDOW_MS } from '../../lib/consent-api/sms-double-opt-in';
import { handleInboundSms, type InboundSmsDependencies } from '../../lib/sms-keywords/handle-inbound-sms';
import { DEFAULT_TOKEN_TTL_SECONDS, destinationDigest } from '../../lib/unsubscribe/token';
import { newCustomerId } from '../store/fixtures';
import { captureBody, LINK_SECRET, postForm, postJson, pressConfirmButton, startConsentApiHarness, type ConsentApiHarness } from './harness';

// Tens of runs against the emulators: seconds on an idle machine, a minute or more on a loaded one.
jest.setTimeout(240_000);

const EMAILS = 2;
const PHONES = 2;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const WINDOW = CONFIRMATION_BUDGET.windowMs;
/** A confirmation link older than this has expired; pressing it is answered 410 by design. */
const LINK_LIFETIME_MS = DEFAULT_TOKEN_TTL_SECONDS.confirm * 1000;

type Step =
  /** A new customer naming one of the addresses, one of the numbers, or both. */
  | { readonly kind: 'capture'; readonly email: number | null; readonly phone: number | null }
  /** An existing customer captured again (asking for email, and SMS, which no existing customer is texted for). */
  | { readonly kind: 'recapture'; readonly customer: number }
  /** A preference-centre save ticking email and SMS, or unticking both, from a link that came by post or email. */
  | { readonly kind: 'save'; readonly customer: number; readonly tick: boolean; readonly link: 'mail' | 'email' }
  /** Support puts another of the addresses on an existing customer's profile (a typo corrected). */
  | { readonly kind: 'correct'; readonly customer: number; readonly email: number }
  | { readonly kind: 'yes'; readonly phone: number }
  | { readonly kind: 'wait'; readonly ms: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({ kind: fc.constant('capture' as const), email: fc.option(fc.nat(EMAILS - 1)), phone: fc.option(fc.nat(PHONES - 1)) })
      .filter((step) => step.email !== null || step.phone !== null),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('recapture' as const), customer: fc.nat(7) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('save' as const), customer: fc.nat(7), tick: fc.boolean(), link: fc.constantFrom('mail' as const, 'email' as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('correct' as const), customer: fc.nat(7), email: fc.nat(EMAILS - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('yes' as const), phone: fc.nat(PHONES - 1) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.constantFrom(MINUTE, HOUR, 6 * HOUR, 23 * HOUR, WINDOW, WINDOW + 1000, 2 * WINDOW) }) },
);

/** One confirmation that reached a destination. */
interface Delivery {
  readonly destination: string;
  readonly customerId: string;
  readonly at: number;
  /** The confirmation links, for an email. */
  readonly links: readonly string[];
}

/** What a history did, for the checks. */
interface Trace {
  readonly emails: Delivery[];
  readonly texts: Delivery[];
  /** When each customer last withdrew (unticked) in the preference centre. */
  readonly withdrawnAt: Map<string, number>;
}

let api: ConsentApiHarness;
let inbound: InboundSmsDependencies;
let run = 0;
let inboundSequence = 0;
let confirmationsChecked = 0;

beforeAll(async () => {
  api = await startConsentApiHarness();
  inbound = { store: api.store, phoneIndex: api.deps.phoneIndex, replies: api.smsOutbox, helpText: 'help', providerOptOuts: api.smsOutbox };
});
afterAll(() => api.stop());

function linksOf(text: string | undefined): string[] {
  return [...(text ?? '').matchAll(/https?:\/\/\S+\/confirm\?token=[\w.-]+/g)].map((match) => match[0]);
}

async function yesFrom(phone: string): Promise<void> {
  inboundSequence += 1;
  await handleInboundSms(
    inbound,
    { originationNumber: phone, destinationNumber: '+12125550000', messageBody: 'YES', inboundMessageId: `inbound-budget-prop-${inboundSequence}` },
    api.clock.now().toISOString(),
  );
}

/** Plays one step; returns the customer a confirmation email it caused was for, if any could be. */
async function play(step: Step, emails: readonly string[], phones: readonly string[], customers: string[], trace: Trace): Promise<string | undefined> {
  if (step.kind === 'wait') {
    api.clock.advance(step.ms);
    return undefined;
  }
  if (step.kind === 'yes') {
    await yesFrom(phones[step.phone] ?? '');
    return undefined;
  }
  if (step.kind === 'capture') {
    const customerId = newCustomerId('budget-prop');
    const email = step.email === null ? undefined : emails[step.email];
    const phone = step.phone === null ? undefined : phones[step.phone];
    const channels = [...(email === undefined ? [] : ['email']), ...(phone === undefined ? [] : ['sms'])];
    const answer = await postJson(`${api.url}/consents`, captureBody(customerId, { email, phone, channels, preferredWindow: undefined }));
    if (answer.status !== 202) throw new Error(`capture answered ${answer.status}`);
    customers.push(customerId);
    return customerId;
  }
  const customerId = customers[step.customer % Math.max(customers.length, 1)];
  if (customerId === undefined) return undefined;
  if (step.kind === 'correct') {
    const { profile } = await api.store.requireSnapshot(customerId);
    await api.store.putProfile({ ...profile, email: emails[step.email], updatedAt: api.clock.now().toISOString() });
    return undefined;
  }
  if (step.kind === 'recapture') {
    const answer = await postJson(`${api.url}/consents`, captureBody(customerId, { email: 'someone-else@example.com', channels: ['email', 'sms'], preferredWindow: undefined }));
    if (answer.status !== 202) throw new Error(`capture answered ${answer.status}`);
    return customerId;
  }
  const token = api.token(customerId, 'preferences', { channel: step.link });
  const answer = await postForm(`${api.url}/preferences?token=${token}`, {
    action: 'save',
    channel1: 'email',
    channel2: 'sms',
    consent: step.tick ? ['email:marketing', 'sms:marketing'] : [],
  });
  if (answer.status !== 303) throw new Error(`preference centre answered ${answer.status}`);
  if (!step.tick) trace.withdrawnAt.set(customerId, api.clock.now().getTime());
  return customerId;
}

/** Whether, in any window of WINDOW, more than the budget reached one destination. */
function overBudget(deliveries: readonly Delivery[]): Array<{ destination: string; at: string; inWindow: number }> {
  return deliveries
    .map((delivery) => ({
      destination: delivery.destination,
      at: new Date(delivery.at).toISOString(),
      inWindow: deliveries.filter((other) => other.destination === delivery.destination && other.at <= delivery.at && other.at >= delivery.at - WINDOW).length,
    }))
    .filter((count) => count.inWindow > CONFIRMATION_BUDGET.messages);
}

async function status(customerId: string, channel: 'email' | 'sms'): Promise<string | undefined> {
  return (await api.store.requireSnapshot(customerId)).consents.find((state) => state.channel === channel && state.topic === 'marketing')?.status;
}

/** The customer's email marketing request, when pending, as the address on file and the address its proof names. */
async function pendingEmailRequest(customerId: string): Promise<{ onFile: string | undefined; askedOf: string | undefined } | undefined> {
  const { profile, consents } = await api.store.requireSnapshot(customerId);
  const state = consents.find((consent) => consent.channel === 'email' && consent.topic === 'marketing');
  if (state?.status !== 'pending') return undefined;
  const onFile = profile.email === undefined ? undefined : destinationDigest(profile.email, LINK_SECRET);
  return { onFile, askedOf: state.destination };
}

/** The address on the customer's profile now. */
async function addressOnFile(customerId: string): Promise<string | undefined> {
  return (await api.store.requireSnapshot(customerId)).profile.email;
}

describe('the per-destination confirmation budget, after any sequence of captures, saves, address corrections, YES and waits over a few destinations', () => {
  it('never lets more than the budget reach one address or number within a window, and every confirmation that went out still confirms', async () => {
    // Withheld confirmations are reported on console.warn.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 20 }), async (steps) => {
          // Prepare: destinations no other history uses.
          run += 1;
          api.clock.set('2026-03-02T15:00:00Z');
          await api.ses.clear();
          const emails = Array.from({ length: EMAILS }, (_, index) => `victim-${run}-${index}@example.com`);
          const phones = Array.from({ length: PHONES }, (_, index) => `+1646557${String(run * PHONES + index).padStart(4, '0')}`);
          const customers: string[] = [];
          const trace: Trace = { emails: [], texts: [], withdrawnAt: new Map() };
          let mailboxSeen = 0;
          let outboxSeen = api.smsOutbox.messages().length;

          for (const step of steps) {
            // Act
            api.clock.advance(1000);
            const customerId = await play(step, emails, phones, customers, trace);
            const now = api.clock.now().getTime();
            const mailbox = await api.ses.messages();
            for (const message of mailbox.slice(mailboxSeen)) {
              // Each address is written one way only here, so the address is the destination.
              trace.emails.push({ destination: message.destination.to[0] ?? '', customerId: customerId ?? '', at: now, links: linksOf(message.body.text) });
            }
            mailboxSeen = mailbox.length;
            const outbox = api.smsOutbox.messages();
            for (const text of outbox.slice(outboxSeen)) {
              if (text.input.MessageBody !== DEFAULT_SMS_CONFIRMATION_TEXT) continue;
              trace.texts.push({ destination: text.input.DestinationPhoneNumber, customerId: text.input.Context?.customer_id ?? '', at: Date.parse(text.at), links: [] });
            }
            outboxSeen = outbox.length;

            // Assess
            expect({ step, emails: overBudget(trace.emails), texts: overBudget(trace.texts) }).toEqual({ step, emails: [], texts: [] });
            if (step.kind === 'save' && step.tick && customerId !== undefined) {
              const request = await pendingEmailRequest(customerId);
              expect({ step, askedOf: request?.askedOf }).toEqual({ step, askedOf: request?.onFile });
            }
          }

          // Act: a YES from every number, then every confirmation link pressed.
          api.clock.advance(1000);
          const now = api.clock.now().getTime();
          for (const phone of phones) await yesFrom(phone);
          const pressed = [];
          for (const email of trace.emails) {
            if (now - email.at >= LINK_LIFETIME_MS) continue;
            for (const link of email.links) pressed.push((await pressConfirmButton(link)).status);
          }

          // Assess: each confirmation that went out confirms, unless its customer withdrew since or
          // the profile holds another address now (its link confirms nothing then, by design).
          const stillAsked = (delivery: Delivery) => (trace.withdrawnAt.get(delivery.customerId) ?? -1) < delivery.at;
          expect(new Set(pressed)).toEqual(new Set(pressed.length === 0 ? [] : [200]));
          for (const text of trace.texts) {
            if (now - text.at > SMS_CONFIRMATION_WINDOW_MS || !stillAsked(text)) continue;
            confirmationsChecked += 1;
            expect({ text, status: await status(text.customerId, 'sms') }).toEqual({ text, status: 'granted' });
          }
          for (const email of trace.emails) {
            if (now - email.at >= LINK_LIFETIME_MS || !stillAsked(email)) continue;
            if ((await addressOnFile(email.customerId)) !== email.destination) continue;
            confirmationsChecked += 1;
            expect({ email, status: await status(email.customerId, 'email') }).toEqual({ email, status: 'granted' });
          }
          // And a customer never texted is granted nothing by a YES.
          const texted = new Set(trace.texts.map((text) => text.customerId));
          for (const customerId of customers.filter((id) => !texted.has(id))) {
            expect({ customerId, sms: await status(customerId, 'sms') }).not.toEqual({ customerId, sms: 'granted' });
          }
        }),
        { numRuns: 40 },
      );
    } finally {
      warn.mockRestore();
    }
    // Not vacuous: some confirmations went out and were confirmed.
    expect(confirmationsChecked).toBeGreaterThan(0);
  });
});
