/**
 * A change of the customer's email, phone or suppressions that lands while a consent-API request
 * runs (a preference-centre save asking both channels, or POST /consents for an existing customer),
 * on the real DynamoDB and SES emulators and the local SMS outbox: recorded before the request's
 * read or after it, every confirmation that goes out goes to the address or number the profile
 * holds at the end, on a channel not suppressed, and at most one per channel; with no such change,
 * each asked channel gets its one confirmation.
 */
import fc from 'fast-check';
import { captureConsent } from '../../lib/consent-api/capture-consent';
import { DEFAULT_TOPIC_OFFERS } from '../../lib/consent-api/dependencies';
import { applyPreferenceForm } from '../../lib/consent-api/preference-centre';
import { consentCaptureRequestSchema, PreferenceFormSchema } from '../../lib/consent-api/requests';
import type { CustomerStore } from '../../lib/store';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, changedAfterFirstRead, startConsentApiHarness, type ConsentApiHarness } from './harness';

// Tens of runs against the emulators: seconds on an idle machine, a minute or more on a loaded one.
jest.setTimeout(240_000);

type Change =
  | { readonly kind: 'address'; readonly channel: 'email' | 'sms' }
  | { readonly kind: 'suppress'; readonly channel: 'email' | 'sms' }
  /** A profile write that leaves the address and number as they are: it must not stop a confirmation. */
  | { readonly kind: 'stage' };

const CHANGES: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('address' as const), channel: fc.constantFrom('email' as const, 'sms' as const) }),
  fc.record({ kind: fc.constant('suppress' as const), channel: fc.constantFrom('email' as const, 'sms' as const) }),
  fc.constant({ kind: 'stage' as const }),
);

let api: ConsentApiHarness;
let run = 0;

beforeAll(async () => {
  api = await startConsentApiHarness({ start: '2026-03-10T15:00:00Z' });
});

afterAll(() => api.stop());

function record(store: CustomerStore, customerId: string, change: Change, n: number): Promise<unknown> {
  switch (change.kind) {
    case 'address':
      return store.updateProfile(customerId, change.channel === 'email' ? { email: `moved-${n}@example.com` } : { phone: `+1212556${String(n).padStart(4, '0')}` }, '2026-03-10T14:59:00Z');
    case 'suppress':
      return store.addSuppression(customerId, { channel: change.channel, reason: change.channel === 'email' ? 'hard_bounce' : 'sms_invalid_number', at: '2026-03-10T14:59:00Z' });
    case 'stage':
      return store.updateProfile(customerId, { stage: 'active' }, '2026-03-10T14:59:00Z');
  }
}

describe('a change of the customer while a consent-API request runs', () => {
  it('confirms only to the address and number on file at the end, on channels not suppressed, once each at most', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('preferences' as const, 'capture' as const), fc.constantFrom('before_read' as const, 'after_read' as const), CHANGES, async (entry, moment, change) => {
        // Prepare: a fresh customer, address and number each run, so budgets and windows never interfere.
        run += 1;
        api.clock.set('2026-03-10T15:00:00Z');
        await api.ses.clear();
        const customerId = newCustomerId('race-prop');
        const profile = aProfile(customerId, { email: `ana-${run}@example.com`, phone: `+1212555${String(run).padStart(4, '0')}` });
        await api.store.putProfile(profile);
        const textsBefore = api.smsOutbox.messages().length;
        const recordChange = () => record(api.store, customerId, change, run);
        if (moment === 'before_read') await recordChange();
        const deps = moment === 'after_read' ? changedAfterFirstRead(api, recordChange) : api.deps;
        // Act
        if (entry === 'preferences') {
          // A link that came by post: both ticks ask their channel (pending, a confirmation).
          const form = PreferenceFormSchema.parse({ action: 'save', channel1: 'email', channel2: 'sms', consent: ['email:marketing', 'sms:marketing'] });
          await applyPreferenceForm(deps, api.token(customerId, 'preferences', { channel: 'mail', topic: 'marketing' }), form, { ip: '203.0.113.9' });
        } else {
          const request = consentCaptureRequestSchema(api.deps.topics ?? DEFAULT_TOPIC_OFFERS).parse(captureBody(customerId, { channels: ['email'], email: profile.email }));
          await captureConsent(deps, request, { ip: '203.0.113.9' });
        }
        // Assess
        const after = await api.store.requireSnapshot(customerId);
        const suppressed = new Set(after.suppressions.map((suppression) => suppression.channel));
        const emails = (await api.ses.messages()).flatMap((message) => message.destination.to);
        const texts = api.smsOutbox.messages().slice(textsBefore).map((text) => text.input.DestinationPhoneNumber);
        for (const to of emails) expect(to).toBe(after.profile.email);
        for (const to of texts) expect(to).toBe(after.profile.phone);
        expect(emails.length).toBeLessThanOrEqual(1);
        expect(texts.length).toBeLessThanOrEqual(1);
        if (suppressed.has('email')) expect(emails).toEqual([]);
        if (suppressed.has('sms')) expect(texts).toEqual([]);
        // Nothing that matters changed, or it changed before the read and the request decided on it.
        const emailDisturbed = change.kind !== 'stage' && change.channel === 'email';
        const smsDisturbed = change.kind !== 'stage' && change.channel === 'sms';
        if (!emailDisturbed || (moment === 'before_read' && change.kind === 'address')) expect(emails).toEqual([after.profile.email]);
        if (entry === 'preferences' && (!smsDisturbed || (moment === 'before_read' && change.kind === 'address'))) expect(texts).toEqual([after.profile.phone]);
      }),
      { numRuns: 40 },
    );
  });
});
