import type { ConsentEvent } from '../../lib/store';
import { createConsentApiHandler, serveApiGatewayHandlerAt, type LocalApiServer } from '../../lib/consent-api';
import { signToken } from '../../lib/unsubscribe';
import { aProfile, newCustomerId } from '../store/fixtures';
import { LINK_SECRET, startConsentApiHarness, type ConsentApiHarness } from './harness';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness();
});

afterAll(() => api.stop());

beforeEach(() => {
  api.clock.set('2026-03-10T15:00:00Z');
});

function granted(channel: ConsentEvent['channel'], topic: string): ConsentEvent {
  return { channel, topic, status: 'granted', at: '2026-03-01T12:00:00Z', proof: { source: 'web-form', consentTextVersion: 'v3' } };
}

/** A customer with email and SMS consent for marketing and email consent for the newsletter. */
async function subscribedCustomer(): Promise<string> {
  const customerId = newCustomerId('unsub');
  await api.store.putProfile(aProfile(customerId));
  for (const event of [granted('email', 'marketing'), granted('email', 'newsletter'), granted('sms', 'marketing')]) {
    await api.store.recordConsent(customerId, event);
  }
  return customerId;
}

/** The exact request a mailbox provider sends for RFC 8058 one-click unsubscribe. */
function oneClick(url: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });
}

async function statusOf(customerId: string, channel: string, topic: string): Promise<string | undefined> {
  const snapshot = await api.store.requireSnapshot(customerId);
  return snapshot.consents.find((consent) => consent.channel === channel && consent.topic === topic)?.status;
}

describe('one-click unsubscribe (RFC 8058)', () => {
  it('revokes the topic on email with the exact one-click POST, with its proof', async () => {
    // Prepare
    const customerId = await subscribedCustomer();
    const url = `${api.url}/unsubscribe?token=${api.token(customerId, 'unsubscribe')}`;
    // Act
    const response = await oneClick(url);
    // Assess
    expect(response.status).toBe(200);
    expect(await statusOf(customerId, 'email', 'marketing')).toBe('revoked');
    const revocations = (await api.store.consentLedger(customerId)).filter((entry) => entry.status === 'revoked');
    expect(revocations).toEqual([
      {
        channel: 'email',
        topic: 'marketing',
        status: 'revoked',
        at: '2026-03-10T15:00:00.000Z',
        proof: { source: 'one-click-unsubscribe', ip: '127.0.0.1', userAgent: 'node' },
      },
    ]);
  });

  it('leaves the other topics and channels as they were', async () => {
    // Prepare
    const customerId = await subscribedCustomer();
    // Act
    await oneClick(`${api.url}/unsubscribe?token=${api.token(customerId, 'unsubscribe')}`);
    // Assess
    expect(await statusOf(customerId, 'email', 'newsletter')).toBe('granted');
    expect(await statusOf(customerId, 'sms', 'marketing')).toBe('granted');
  });

  it('accepts the one-click body as multipart/form-data, as RFC 8058 allows', async () => {
    // Prepare
    const customerId = await subscribedCustomer();
    const form = new FormData();
    form.append('List-Unsubscribe', 'One-Click');
    // Act
    const response = await fetch(`${api.url}/unsubscribe?token=${api.token(customerId, 'unsubscribe')}`, { method: 'POST', body: form });
    // Assess
    expect(response.status).toBe(200);
    expect(await statusOf(customerId, 'email', 'marketing')).toBe('revoked');
  });

  it('is idempotent: replays, later or at once, leave one ledger entry', async () => {
    // Prepare
    const customerId = await subscribedCustomer();
    const url = `${api.url}/unsubscribe?token=${api.token(customerId, 'unsubscribe')}`;
    // Act
    const atOnce = await Promise.all([oneClick(url), oneClick(url), oneClick(url)]);
    api.clock.advance(3_600_000);
    const later = await oneClick(url);
    // Assess
    expect([...atOnce, later].map((response) => response.status)).toEqual([200, 200, 200, 200]);
    const revocations = (await api.store.consentLedger(customerId)).filter((entry) => entry.status === 'revoked');
    expect(revocations).toHaveLength(1);
  });

  it('shows a confirmation page on GET that changes nothing and posts the same one-click body', async () => {
    // Prepare
    const customerId = await subscribedCustomer();
    const token = api.token(customerId, 'unsubscribe');
    const before = await api.partition(customerId);
    // Act
    const response = await fetch(`${api.url}/unsubscribe?token=${token}`);
    // Assess
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain(`<form method="post" action="${api.url}/unsubscribe?token=${token}">`);
    expect(page).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(page).toContain('Offers and news');
    expect(await api.partition(customerId)).toEqual(before);
  });

  it.each([
    ['a tampered token', 400, (customerId: string) => tamper(api.token(customerId, 'unsubscribe'))],
    ['a token for another customer, re-signed with another secret', 400, (customerId: string) =>
      signToken({ customerId, channel: 'email', topic: 'marketing', purpose: 'unsubscribe' }, 'an-attacker-secret-that-is-long-enough-0000', {
        now: api.clock.now(),
        ttlSeconds: 3600,
      })],
    ['a preference-centre token', 400, (customerId: string) => api.token(customerId, 'preferences')],
    ['a confirmation token', 400, (customerId: string) => api.token(customerId, 'confirm')],
  ])('refuses %s with %d and changes nothing', async (_case, status, tokenFor) => {
    // Prepare
    const customerId = await subscribedCustomer();
    const token = tokenFor(customerId);
    api.clock.advance(5_000);
    const before = await api.partition(customerId);
    // Act
    const post = await oneClick(`${api.url}/unsubscribe?token=${token}`);
    const get = await fetch(`${api.url}/unsubscribe?token=${token}`);
    // Assess
    expect(post.status).toBe(status);
    expect(get.status).toBe(status);
    expect(await api.partition(customerId)).toEqual(before);
  });

  it.each([
    ['no body', undefined],
    ['another value', 'List-Unsubscribe=Yes'],
    ['another field', 'unsubscribe=One-Click'],
  ])('refuses a POST with %s with 400, in words on the page, and changes nothing', async (_case, body) => {
    // Prepare
    const customerId = await subscribedCustomer();
    const before = await api.partition(customerId);
    // Act
    const response = await fetch(`${api.url}/unsubscribe?token=${api.token(customerId, 'unsubscribe')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      ...(body === undefined ? {} : { body }),
    });
    // Assess
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<p role="alert">This request could not be used, so nothing has changed.');
    expect(await api.partition(customerId)).toEqual(before);
  });

  it('refuses a request without a token with 400 and the "Link not valid" page', async () => {
    // Act
    const response = await oneClick(`${api.url}/unsubscribe`);
    // Assess
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<h1>Link not valid</h1>');
  });

  it('answers a valid link for an unknown customer exactly as for a known one, writing nothing', async () => {
    // Prepare
    const known = await subscribedCustomer();
    const unknown = newCustomerId('nobody');
    // Act
    const forKnown = await oneClick(`${api.url}/unsubscribe?token=${api.token(known, 'unsubscribe')}`);
    const forUnknown = await oneClick(`${api.url}/unsubscribe?token=${api.token(unknown, 'unsubscribe')}`);
    // Assess
    // The pages differ only in the preference link beside each request's own token.
    const withoutTokens = async (response: Response) => (await response.text()).replace(/token=[\w.-]+/g, 'token=…');
    expect(forUnknown.status).toBe(forKnown.status);
    expect(await withoutTokens(forUnknown)).toBe(await withoutTokens(forKnown));
    expect(await api.partition(unknown)).toEqual([]);
  });

  it('sends the security headers that keep the token out of referrers and the page out of frames', async () => {
    // Prepare
    const customerId = await subscribedCustomer();
    // Act
    const response = await fetch(`${api.url}/unsubscribe?token=${api.token(customerId, 'unsubscribe')}`);
    // Assess
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('the preference-centre link of the unsubscribe page', () => {
  /** A key of an earlier rotation: it verifies unsubscribe links only (docs/consent.md, "Rotating the link key"). */
  const RETIRED_KEY = 'retired-link-key-of-an-earlier-rotation-0000';
  let rotated: LocalApiServer;

  beforeAll(async () => {
    rotated = await serveApiGatewayHandlerAt((url) =>
      createConsentApiHandler({ ...api.deps, links: { ...api.deps.links, baseUrl: url, retiredSecrets: [RETIRED_KEY] } }, { rateLimit: false, logError: () => undefined }),
    );
  });

  afterAll(() => rotated.close());

  /** The preference-centre links a page offers. */
  function preferenceLinks(page: string): string[] {
    return [...page.matchAll(/href="([^"]*\/preferences\?token=[^"]*)"/g)].map((match) => (match[1] ?? '').replaceAll('&amp;', '&'));
  }

  /** An unsubscribe token for the customer signed with `secret`, `daysAgo` days before the clock, with the usual 180-day exp. */
  function unsubscribeToken(customerId: string, secret: string, daysAgo: number): string {
    const signedAt = new Date(api.clock.now().getTime() - daysAgo * 86_400_000);
    return signToken({ customerId, channel: 'email', topic: 'marketing', purpose: 'unsubscribe' }, secret, { now: signedAt, ttlSeconds: 180 * 86_400 });
  }

  it.each([
    ['signed by a retired key', RETIRED_KEY, 30],
    ['past its signed expiry', LINK_SECRET, 400],
  ])('offers no way into the preference centre from a link %s, and its button still unsubscribes', async (_case, secret, daysAgo) => {
    // Prepare
    const customerId = await subscribedCustomer();
    const token = unsubscribeToken(customerId, secret, daysAgo);
    // Act
    const page = await fetch(`${rotated.url}/unsubscribe?token=${token}`);
    const offered = preferenceLinks(await page.text());
    const opened = await Promise.all(offered.map(async (link) => (await fetch(link)).status));
    const post = await oneClick(`${rotated.url}/unsubscribe?token=${token}`);
    // Assess
    expect(page.status).toBe(200);
    expect(opened).toEqual([]);
    expect(post.status).toBe(200);
    expect(await statusOf(customerId, 'email', 'marketing')).toBe('revoked');
  });

  it('offers a preference-centre link that expires when the unsubscribe link it came from does', async () => {
    // Prepare
    const customerId = await subscribedCustomer();
    const token = unsubscribeToken(customerId, LINK_SECRET, 10);
    const page = await (await fetch(`${rotated.url}/unsubscribe?token=${token}`)).text();
    const [link] = preferenceLinks(page);
    // Act
    const now = await fetch(link ?? 'missing');
    api.clock.advance(170 * 86_400_000);
    const atExpiry = await fetch(link ?? 'missing');
    // Assess
    expect(now.status).toBe(200);
    expect(atExpiry.status).toBe(410);
  });
});

/** The token with one character of its signature changed. */
function tamper(token: string): string {
  const last = token.slice(-1);
  return `${token.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
}
