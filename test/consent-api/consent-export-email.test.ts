/**
 * The email address in the consent export a preference link opens (forLinkHolder,
 * lib/consent-api/consent-export.ts): masked as the number is, since the link travels in forwarded
 * emails and on postcards, and a link sent to a mistyped address keeps opening the export after the
 * CRM corrects it. On dynalite and the SES v2 emulator (the consent API harness).
 */
import { exportConsents, maskedEmail } from '../../lib/consent-api/consent-export';
import { destinationDigest, messageLinks, signToken, tokenFromUrl } from '../../lib/unsubscribe';
import { newCustomerId } from '../store/fixtures';
import { captureBody, postJson, pressConfirmButton, startConsentApiHarness, type ConsentApiHarness } from './harness';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness();
});
afterAll(() => api.stop());

interface ExportedEmails {
  consents: Array<{ channel: string; email?: string }>;
  ledger: Array<{ channel: string; proof: { email?: string } }>;
}

describe('maskedEmail', () => {
  it('keeps the first character and the domain, and hides the length of the rest', () => {
    // Act
    const masked = ['ana.private@example.com', 'a@example.com', 'Zoë@Example.COM'].map(maskedEmail);
    // Assess
    expect(masked).toEqual(['a•••@example.com', 'a•••@example.com', 'Z•••@Example.COM']);
  });
});

describe('GET /consents/export', () => {
  it("shows the email address a grant names masked to its first character and domain to whoever holds a postcard preference link, and the centre's page not at all", async () => {
    // Prepare: a sign-up that confirms email, as every subscriber does.
    const customerId = newCustomerId('export-email');
    expect((await postJson(`${api.url}/consents`, captureBody(customerId, { email: 'ana.private@example.com' }))).status).toBe(202);
    expect((await pressConfirmButton(`${api.url}/confirm?token=${api.token(customerId, 'confirm')}`)).status).toBe(200);

    const postcardToken = api.token(customerId, 'preferences', { channel: 'mail' });

    // Act: the preference link printed on a postcard (channel mail) opens the centre and the export.
    const page = await fetch(`${api.url}/preferences?token=${postcardToken}`);
    const response = await fetch(`${api.url}/consents/export?token=${postcardToken}`);

    // Assess
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain('ana.private');
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).not.toContain('ana.private@example.com');
    const exported = JSON.parse(body) as ExportedEmails;
    expect(exported.consents.filter((state) => state.channel === 'email').map((state) => state.email)).toEqual(['a•••@example.com']);
    expect(exported.ledger.filter((entry) => entry.proof.email !== undefined).map((entry) => entry.proof.email)).toEqual(['a•••@example.com']);
    // An operator's export (exportConsents, not a link) keeps it whole.
    const whole = await exportConsents(api.store, customerId, api.clock.now());
    expect(whole.consents.filter((state) => state.channel === 'email').map((state) => state.email)).toEqual(['ana.private@example.com']);
  });

  it('does not show the corrected address to the stranger who got the mail sent to a mistyped one', async () => {
    // Prepare: the customer signed up with a typo; the stranger at the typo got a message with its
    // links; the CRM corrected the address; the customer confirmed the corrected one.
    const customerId = newCustomerId('export-typo');
    expect((await postJson(`${api.url}/consents`, captureBody(customerId, { email: 'ana@exmaple.com', channels: ['email'] }))).status).toBe(202);
    const strangersLinks = messageLinks({ customerId, channel: 'email', topic: 'marketing', to: 'ana@exmaple.com' }, api.deps.links, api.clock.now());
    await api.store.updateProfile(customerId, { email: 'ana.real@example.com' }, new Date(api.clock.now().getTime() + 1000).toISOString());
    api.clock.advance(60_000);
    await api.forgetConfirmationBudgets();
    await postJson(`${api.url}/consents`, captureBody(customerId, { email: 'ana.real@example.com', channels: ['email'] }));
    const confirmToken = signToken(
      { customerId, channel: 'email', topic: 'marketing', purpose: 'confirm', destination: destinationDigest('ana.real@example.com', api.deps.links.secret) },
      api.deps.links.secret,
      { now: api.clock.now(), ttlSeconds: 3600 },
    );
    expect((await pressConfirmButton(`${api.url}/confirm?token=${confirmToken}`)).status).toBe(200);

    // Act: the stranger follows the mistyped mail's preference link to the export.
    const response = await fetch(`${api.url}/consents/export?token=${tokenFromUrl(strangersLinks.preferencesUrl)}`);

    // Assess
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).not.toContain('ana.real@example.com');
    expect(body).not.toContain('ana@exmaple.com');
  });
});
