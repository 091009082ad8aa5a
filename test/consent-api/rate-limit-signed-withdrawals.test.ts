/**
 * RFC 8058 one-click unsubscribes are POSTed by the mailbox provider's servers, not by the
 * recipients: after a campaign, Gmail's or Yahoo's egress addresses post one unsubscribe per
 * recipient who pressed the button, and nothing promises they retry a 429. People behind a shared
 * address (a corporate proxy, carrier NAT) reach the unsubscribe page and the preference centre's
 * "withdraw everything" from one IP too. A request whose link token verifies and which can only
 * withdraw consent is therefore never refused by the per-client bucket; everything else still is.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { DEFAULT_RATE_LIMIT, signedWithdrawals } from '../../lib/consent-api/rate-limit';
import { signToken } from '../../lib/unsubscribe';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, LINK_SECRET, postForm, postJson, startConsentApiHarness, testClock, type ConsentApiHarness } from './harness';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness({ rateLimit: DEFAULT_RATE_LIMIT });
});

afterAll(() => api.stop());

/** More requests than the default burst, all at one instant (the harness clock does not move). */
const PAST_THE_BURST = DEFAULT_RATE_LIMIT.burst + 10;

async function subscribedCustomers(prefix: string): Promise<string[]> {
  const customers: string[] = [];
  for (let i = 0; i < PAST_THE_BURST; i += 1) {
    const customerId = newCustomerId(prefix);
    await api.store.putProfile(aProfile(customerId));
    await api.store.recordConsent(customerId, {
      channel: 'email',
      topic: 'marketing',
      status: 'granted',
      at: '2026-03-01T12:00:00Z',
      proof: { source: 'web-form', consentTextVersion: 'v3' },
    });
    customers.push(customerId);
  }
  return customers;
}

async function stillSubscribed(customers: readonly string[]): Promise<string[]> {
  const subscribed: string[] = [];
  for (const customerId of customers) {
    const snapshot = await api.store.requireSnapshot(customerId);
    if (snapshot.consents.find((c) => c.channel === 'email' && c.topic === 'marketing')?.status !== 'revoked') subscribed.push(customerId);
  }
  return subscribed;
}

it('honours 30 one-click unsubscribes a mailbox provider posts from one address within a second', async () => {
  // Prepare
  api.clock.set('2026-03-10T15:00:00Z');
  const customers = await subscribedCustomers('oneclick');
  // Act
  const statuses: number[] = [];
  for (const customerId of customers) {
    const response = await fetch(`${api.url}/unsubscribe?token=${api.token(customerId, 'unsubscribe')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    statuses.push(response.status);
  }
  // Assess
  expect({ refused: statuses.filter((status) => status !== 200).length, stillSubscribed: (await stillSubscribed(customers)).length }).toEqual({
    refused: 0,
    stillSubscribed: 0,
  });
});

it('shows the unsubscribe page to 30 people opening their links from one shared address', async () => {
  // Prepare
  api.clock.set('2026-03-10T16:00:00Z');
  const customers = Array.from({ length: PAST_THE_BURST }, () => newCustomerId('page'));
  // Act
  const statuses: number[] = [];
  for (const customerId of customers) statuses.push((await fetch(`${api.url}/unsubscribe?token=${api.token(customerId, 'unsubscribe')}`)).status);
  // Assess
  expect(statuses.filter((status) => status !== 200)).toEqual([]);
});

it('honours 30 withdrawals of everything from the preference centre posted from one shared address', async () => {
  // Prepare
  api.clock.set('2026-03-10T17:00:00Z');
  const customers = await subscribedCustomers('withdrawall');
  // Act
  const statuses: number[] = [];
  for (const customerId of customers) {
    statuses.push((await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`, { action: 'withdraw-all' })).status);
  }
  // Assess
  expect({ refused: statuses.filter((status) => status !== 303).length, stillSubscribed: (await stillSubscribed(customers)).length }).toEqual({
    refused: 0,
    stillSubscribed: 0,
  });
});

describe('still limits per client', () => {
  it('one-click posts whose token does not verify (forgeries), once past the burst', async () => {
    // Prepare
    api.clock.set('2026-03-10T18:00:00Z');
    const forged = `${api.token(newCustomerId('forged'), 'unsubscribe').slice(0, -2)}AA`;
    // Act
    const statuses: number[] = [];
    for (let i = 0; i < PAST_THE_BURST; i += 1) statuses.push((await postForm(`${api.url}/unsubscribe?token=${forged}`, { 'List-Unsubscribe': 'One-Click' })).status);
    // Assess
    expect(statuses).toEqual([...Array.from({ length: DEFAULT_RATE_LIMIT.burst }, () => 400), ...Array.from({ length: 10 }, () => 429)]);
  });

  it('one-click posts with a preference link instead of an unsubscribe link', async () => {
    // Prepare
    api.clock.set('2026-03-10T19:00:00Z');
    // Act
    const statuses: number[] = [];
    for (let i = 0; i < PAST_THE_BURST; i += 1) {
      const token = api.token(newCustomerId('purpose'), 'preferences');
      statuses.push((await postForm(`${api.url}/unsubscribe?token=${token}`, { 'List-Unsubscribe': 'One-Click' })).status);
    }
    // Assess
    expect(statuses.slice(DEFAULT_RATE_LIMIT.burst)).toEqual(Array.from({ length: 10 }, () => 429));
  });

  it('preference saves that may grant consent, though their token verifies', async () => {
    // Prepare
    api.clock.set('2026-03-10T20:00:00Z');
    const customers = await subscribedCustomers('save');
    // Act
    const statuses: number[] = [];
    for (const customerId of customers) {
      statuses.push((await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`, { action: 'save' })).status);
    }
    // Assess
    expect(statuses.slice(DEFAULT_RATE_LIMIT.burst)).toEqual(Array.from({ length: 10 }, () => 429));
  });

  it('captures', async () => {
    // Prepare
    api.clock.set('2026-03-10T21:00:00Z');
    // Act
    const statuses: number[] = [];
    for (let i = 0; i < PAST_THE_BURST; i += 1) {
      const customerId = newCustomerId('capture');
      statuses.push((await postJson(`${api.url}/consents`, captureBody(customerId, { email: `${customerId}@example.com`, channels: ['email'] }))).status);
    }
    // Assess
    expect(statuses.slice(DEFAULT_RATE_LIMIT.burst)).toEqual(Array.from({ length: 10 }, () => 429));
  });
});

describe('signedWithdrawals', () => {
  const clock = testClock('2026-03-10T15:00:00Z');
  const exempt = signedWithdrawals({ links: { baseUrl: 'https://example.com/overture', secret: LINK_SECRET }, now: clock.now });
  const preferencesToken = signToken({ customerId: 'c-1', purpose: 'preferences', channel: 'email', topic: 'marketing' }, LINK_SECRET, {
    now: clock.now(),
    ttlSeconds: 3600,
  });

  /** A POST /preferences event as API Gateway's payload 2.0 has it before any body parser ran. */
  function preferencesPost(contentType: string, body: string, isBase64Encoded: boolean): APIGatewayProxyEventV2 {
    return {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/preferences',
      rawQueryString: `token=${preferencesToken}`,
      queryStringParameters: { token: preferencesToken },
      headers: { 'content-type': contentType },
      body,
      isBase64Encoded,
      requestContext: { http: { method: 'POST', path: '/preferences', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' } },
    } as unknown as APIGatewayProxyEventV2;
  }

  it('reads "withdraw everything" from a form body however API Gateway passes it, and nothing else as one', () => {
    // Prepare
    const form = 'application/x-www-form-urlencoded';
    const boundary = 'b0undary';
    const multipart = `--${boundary}\r\ncontent-disposition: form-data; name="action"\r\n\r\nwithdraw-all\r\n--${boundary}--\r\n`;
    // Act
    const answers = {
      urlencoded: exempt(preferencesPost(form, 'action=withdraw-all', false), 'POST /preferences'),
      base64: exempt(preferencesPost(form, Buffer.from('action=withdraw-all').toString('base64'), true), 'POST /preferences'),
      multipart: exempt(preferencesPost(`multipart/form-data; boundary=${boundary}`, multipart, false), 'POST /preferences'),
      save: exempt(preferencesPost(form, 'action=save&channel1=email', false), 'POST /preferences'),
      twice: exempt(preferencesPost(form, 'action=withdraw-all&action=save', false), 'POST /preferences'),
      otherRoute: exempt(preferencesPost(form, 'action=withdraw-all', false), 'POST /consents'),
    };
    // Assess
    expect(answers).toEqual({ urlencoded: true, base64: true, multipart: true, save: false, twice: false, otherRoute: false });
  });
});
