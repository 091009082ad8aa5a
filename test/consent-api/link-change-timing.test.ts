/**
 * The customer's last word wins, however close together the customer's actions come: a change made
 * through one of our links (one-click unsubscribe, preference centre, withdraw all) takes effect
 * over the state it read, even when that state was stated earlier in the same second to the
 * millisecond (a double opt-in grant) or ahead of the API's clock (an upstream producer's).
 * On the real DynamoDB and SES emulators, calling the same plain functions the routes call.
 */
import fc from 'fast-check';
import type { ConsentStatus } from '../../lib/customer/model';
import { confirmConsent } from '../../lib/consent-api/double-opt-in';
import { unsubscribeOneClick } from '../../lib/consent-api/one-click-unsubscribe';
import { applyPreferenceForm } from '../../lib/consent-api/preference-centre';
import { PreferenceFormSchema } from '../../lib/consent-api/requests';
import { decideDelivery } from '../../lib/permission';
import { aProfile, newCustomerId } from '../store/fixtures';
import { startConsentApiHarness, type ConsentApiHarness } from './harness';

// Tens of runs against the emulators: seconds on an idle machine, a minute or more on a loaded one.
jest.setTimeout(240_000);

let api: ConsentApiHarness;
const origin = { ip: '203.0.113.9', userAgent: 'timing-test' };
const SECOND = '2026-03-02T15:00:00';

beforeAll(async () => {
  api = await startConsentApiHarness({ start: `${SECOND}Z` });
});

afterAll(() => api.stop());

beforeEach(() => api.clock.set(`${SECOND}Z`));

/** `SECOND` plus `ms` milliseconds. */
function within(ms: number): string {
  return new Date(Date.parse(`${SECOND}Z`) + ms).toISOString();
}

async function customerWithEmailMarketing(status: ConsentStatus, at: string, source = 'web-form'): Promise<string> {
  const customerId = newCustomerId('timing');
  await api.store.putProfile(aProfile(customerId, { updatedAt: '2026-03-01T10:00:00Z' }));
  await api.store.recordConsent(customerId, { channel: 'email', topic: 'marketing', status, at, proof: { source } });
  return customerId;
}

async function emailMarketingStatus(customerId: string): Promise<ConsentStatus | undefined> {
  const snapshot = await api.store.requireSnapshot(customerId);
  return snapshot.consents.find((consent) => consent.channel === 'email' && consent.topic === 'marketing')?.status;
}

/** The preference form as the page submits it, with `ticked` boxes. */
function preferenceForm(action: 'save' | 'withdraw-all', ticked: readonly string[] = []) {
  return PreferenceFormSchema.parse({ action, channel1: 'email', channel2: 'sms', channel3: '', consent: [...ticked] });
}

describe('a change made through a link, just after a grant', () => {
  it('one-click unsubscribe wins over a confirmation made earlier in the same second', async () => {
    // Prepare
    const customerId = await customerWithEmailMarketing('pending', '2026-03-02T14:59:00Z');
    api.clock.set(within(300));
    await confirmConsent(api.deps, api.token(customerId, 'confirm'), origin);
    api.clock.set(within(800));
    // Act
    const answer = await unsubscribeOneClick(api.deps, api.token(customerId, 'unsubscribe'), origin);
    // Assess: the page says "You are unsubscribed", and it is so.
    expect(answer).toEqual({ channel: 'email', topic: 'marketing' });
    expect(await emailMarketingStatus(customerId)).toBe('revoked');
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(decideDelivery(snapshot, { topic: 'marketing', channels: ['email'] }, new Date('2026-03-02T15:05:00Z')).kind).not.toBe('send');
  });

  it('preference-centre unticking wins over a grant stated to the millisecond earlier in the same second', async () => {
    // Prepare
    const customerId = await customerWithEmailMarketing('granted', within(300), 'crm');
    api.clock.set(within(800));
    // Act
    await applyPreferenceForm(api.deps, api.token(customerId, 'preferences'), preferenceForm('save', ['sms:marketing']), origin);
    // Assess
    expect(await emailMarketingStatus(customerId)).toBe('revoked');
  });

  it('withdraw-all wins over a grant stated to the millisecond earlier in the same second', async () => {
    // Prepare
    const customerId = await customerWithEmailMarketing('granted', within(300), 'crm');
    api.clock.set(within(800));
    // Act
    await applyPreferenceForm(api.deps, api.token(customerId, 'preferences'), preferenceForm('withdraw-all'), origin);
    // Assess
    expect(await emailMarketingStatus(customerId)).toBe('revoked');
  });

  it('one-click unsubscribe wins over a grant an upstream system stated ahead of the API clock', async () => {
    // Prepare
    const customerId = await customerWithEmailMarketing('granted', '2026-03-02T15:04:00Z', 'crm');
    api.clock.set('2026-03-02T15:01:00Z');
    // Act
    await unsubscribeOneClick(api.deps, api.token(customerId, 'unsubscribe'), origin);
    // Assess
    expect(await emailMarketingStatus(customerId)).toBe('revoked');
  });

  it('re-ticking in the preference centre wins over an unsubscribe earlier in the same second', async () => {
    // Prepare
    const customerId = await customerWithEmailMarketing('granted', '2026-03-01T10:00:00Z');
    api.clock.set(within(200));
    await unsubscribeOneClick(api.deps, api.token(customerId, 'unsubscribe'), origin);
    api.clock.set(within(700));
    // Act
    await applyPreferenceForm(api.deps, api.token(customerId, 'preferences'), preferenceForm('save', ['email:marketing']), origin);
    // Assess
    expect(await emailMarketingStatus(customerId)).toBe('granted');
  });

  it('writes one state change for an unsubscribe replayed at once and later, after a grant in the same second', async () => {
    // Prepare
    const customerId = await customerWithEmailMarketing('granted', within(300), 'crm');
    api.clock.set(within(800));
    const token = api.token(customerId, 'unsubscribe');
    // Act
    await Promise.all([1, 2, 3].map(() => unsubscribeOneClick(api.deps, token, origin)));
    api.clock.set(within(950));
    await unsubscribeOneClick(api.deps, token, origin);
    // Assess
    const revocations = (await api.store.consentLedger(customerId)).filter((entry) => entry.status === 'revoked');
    expect(revocations.map((entry) => entry.at)).toEqual([within(301)]);
    expect(await emailMarketingStatus(customerId)).toBe('revoked');
  });
});

/** What the customer does, and the email/marketing consent each action leaves, from the one before. */
const ACTIONS = {
  /** Presses the double opt-in button: only a pending request becomes a grant. */
  confirm: (before: ConsentStatus) => (before === 'pending' ? 'granted' : before),
  /** One-click unsubscribe from an email. */
  unsubscribe: () => 'revoked',
  /** Ticks email marketing in the centre opened from an email: granted at once. */
  tickFromEmail: (before: ConsentStatus) => (before === 'granted' || before === 'pending' ? before : 'granted'),
  /** Ticks email marketing in the centre opened from a text: a request to confirm by email. */
  tickFromSms: (before: ConsentStatus) => (before === 'granted' || before === 'pending' ? before : 'pending'),
  /** Unticks email marketing in the centre. */
  untick: () => 'revoked',
  /** Withdraws everything in the centre. */
  withdrawAll: () => 'revoked',
} satisfies Record<string, (before: ConsentStatus) => ConsentStatus>;
type Action = keyof typeof ACTIONS;

async function perform(action: Action, customerId: string): Promise<void> {
  const preferences = (channel: 'email' | 'sms') => api.token(customerId, 'preferences', { channel });
  switch (action) {
    case 'confirm':
      await confirmConsent(api.deps, api.token(customerId, 'confirm'), origin);
      return;
    case 'unsubscribe':
      await unsubscribeOneClick(api.deps, api.token(customerId, 'unsubscribe'), origin);
      return;
    case 'tickFromEmail':
      await applyPreferenceForm(api.deps, preferences('email'), preferenceForm('save', ['email:marketing']), origin);
      return;
    case 'tickFromSms':
      await applyPreferenceForm(api.deps, preferences('sms'), preferenceForm('save', ['email:marketing']), origin);
      return;
    case 'untick':
      await applyPreferenceForm(api.deps, preferences('email'), preferenceForm('save', []), origin);
      return;
    case 'withdrawAll':
      await applyPreferenceForm(api.deps, preferences('email'), preferenceForm('withdraw-all'), origin);
      return;
  }
}

describe('any sequence of the customer\'s actions within one second', () => {
  it('leaves the consent the last action asked for', async () => {
    const actionArb = fc.constantFrom(...(Object.keys(ACTIONS) as Action[]));
    const scenarioArb = fc
      .array(actionArb, { minLength: 1, maxLength: 6 })
      .chain((actions) =>
        fc.record({
          actions: fc.constant(actions),
          // The request (capture, stated to the millisecond) and then each action, in this order.
          instants: fc.uniqueArray(fc.integer({ min: 0, max: 999 }), { minLength: actions.length + 1, maxLength: actions.length + 1 }),
        }),
      );
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ actions, instants }) => {
        // Prepare
        const [requestedAt = 0, ...actedAt] = [...instants].sort((a, b) => a - b);
        const customerId = await customerWithEmailMarketing('pending', within(requestedAt));
        let expected: ConsentStatus = 'pending';
        // Act
        for (const [index, action] of actions.entries()) {
          api.clock.set(within(actedAt[index] ?? 999));
          await perform(action, customerId);
          expected = ACTIONS[action](expected);
        }
        // Assess
        expect(await emailMarketingStatus(customerId)).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });
});
