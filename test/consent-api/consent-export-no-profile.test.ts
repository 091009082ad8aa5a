/**
 * The consent export (lib/consent-api/consent-export.ts) of a customer ingest knows no profile of
 * yet: a CRM's consent sync reached ingest before the sign-up that brings a time zone. On dynalite
 * and the SES v2 emulator (the consent API harness).
 */
import { exportConsents } from '../../lib/consent-api/consent-export';
import { ingestCrmConsentSync, startConsentApiHarness, type ConsentApiHarness } from './harness';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness();
});
afterAll(() => api.stop());

describe('the consent export of a customer without a profile', () => {
  it('shows the consent events the store holds, with their proofs, the state, preferences and suppressions', async () => {
    // Prepare: ingest records a CRM consent sync with preferences, and a suppression is on file.
    const customerId = 'c-export-no-profile';
    await ingestCrmConsentSync(api, customerId, {
      preferences: { channels: ['email'] },
      consents: [{ channel: 'email', topic: 'marketing', status: 'granted', proof: { source: 'crm-sync', ip: '198.51.100.23', userAgent: 'Ana-iPhone', formId: 'store-tablet' } }],
    });
    await api.store.addSuppression(customerId, { channel: 'email', reason: 'complaint', at: '2026-03-02T08:05:00Z' });
    expect(await api.store.getProfile(customerId)).toBeUndefined();
    const stored = await api.store.consentLedger(customerId);
    expect(stored).toHaveLength(1);

    // Act: the operator's data-subject export (docs/consent.md, "Consent export").
    const exported = await exportConsents(api.store, customerId, api.clock.now());

    // Assess
    expect(exported.ledger).toEqual(stored);
    expect(exported.ledger[0]?.proof).toMatchObject({ ip: '198.51.100.23', userAgent: 'Ana-iPhone' });
    expect(exported.consents).toEqual([expect.objectContaining({ channel: 'email', topic: 'marketing', status: 'granted' })]);
    expect(exported.preferences).toEqual({ channels: ['email'] });
    expect(exported.suppressions).toEqual([expect.objectContaining({ channel: 'email', reason: 'complaint' })]);
  });

  it('is empty, in the same shape, for a customer of whom nothing is stored', async () => {
    // Act
    const exported = await exportConsents(api.store, 'c-export-nobody', api.clock.now());

    // Assess
    expect(exported).toEqual({ customerId: 'c-export-nobody', exportedAt: api.clock.now().toISOString(), consents: [], ledger: [], preferences: {}, suppressions: [] });
  });
});
