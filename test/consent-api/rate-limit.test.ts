import { CONSENT_API_ROUTES, routeKeys, TokenBucketLimiter, UNMATCHED_ROUTE } from '../../lib/consent-api';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, postJson, startConsentApiHarness, testClock, type ConsentApiHarness } from './harness';

describe('TokenBucketLimiter', () => {
  it('allows a burst, then one request per refill interval', () => {
    // Prepare
    const clock = testClock('2026-03-02T09:00:00Z');
    const limiter = new TokenBucketLimiter({ burst: 3, ratePerSecond: 0.5 }, clock.now);
    // Act
    const burst = [limiter.take('a'), limiter.take('a'), limiter.take('a'), limiter.take('a')];
    clock.advance(1_000);
    const halfRefilled = limiter.take('a');
    clock.advance(1_000);
    const refilled = limiter.take('a');
    // Assess
    expect(burst).toEqual([0, 0, 0, 2]);
    expect(halfRefilled).toBe(1);
    expect(refilled).toBe(0);
  });

  it('keeps separate buckets per key', () => {
    // Prepare
    const limiter = new TokenBucketLimiter({ burst: 1, ratePerSecond: 1 }, testClock('2026-03-02T09:00:00Z').now);
    // Act
    const first = [limiter.take('a'), limiter.take('a')];
    const other = limiter.take('b');
    // Assess
    expect(first).toEqual([0, 1]);
    expect(other).toBe(0);
  });

  it('forgets the least recently used clients beyond its limit, so memory stays bounded', () => {
    // Prepare
    const limiter = new TokenBucketLimiter({ burst: 1, ratePerSecond: 0.001, maxClients: 2 }, testClock('2026-03-02T09:00:00Z').now);
    limiter.take('a');
    limiter.take('b');
    // Act
    limiter.take('c');
    // Assess: a was dropped, so it starts with a full bucket again; c was kept.
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('c')).toBeGreaterThan(0);
  });
});

describe('routeKeys', () => {
  it('keys a request by the route that serves it: one trailing slash, an alias and a made-up path', () => {
    // Prepare
    const routeOf = routeKeys(CONSENT_API_ROUTES, { '/p': '/preferences' });
    // Act
    const keys = {
      plain: routeOf('GET', '/unsubscribe'),
      slashed: routeOf('GET', '/unsubscribe/'),
      twoSlashes: routeOf('GET', '/unsubscribe//'),
      short: routeOf('GET', '/p/'),
      post: routeOf('POST', '/unsubscribe'),
      madeUp: routeOf('GET', '/wp-admin'),
      wrongMethod: routeOf('DELETE', '/preferences'),
    };
    // Assess
    expect(keys).toEqual({
      plain: 'GET /unsubscribe',
      slashed: 'GET /unsubscribe',
      twoSlashes: UNMATCHED_ROUTE,
      short: 'GET /preferences',
      post: 'POST /unsubscribe',
      madeUp: UNMATCHED_ROUTE,
      wrongMethod: UNMATCHED_ROUTE,
    });
  });
});

describe('the API past a rate limit of one request', () => {
  let api: ConsentApiHarness;

  beforeEach(async () => {
    api = await startConsentApiHarness({ rateLimit: { burst: 1, ratePerSecond: 0.001, maxClients: 3 } });
  });

  afterEach(() => api.stop());

  it('counts a path with a trailing slash against the same route', async () => {
    // Prepare: the confirmation page (a valid unsubscribe link is never limited: rate-limit-signed-withdrawals.test.ts)
    const token = api.token(newCustomerId('rl'), 'confirm');
    // Act
    const first = await fetch(`${api.url}/confirm?token=${token}`);
    const second = await fetch(`${api.url}/confirm?token=${token}`);
    const slashed = await fetch(`${api.url}/confirm/?token=${token}`);
    // Assess
    expect([first.status, second.status]).toEqual([200, 429]);
    expect(slashed.status).toBe(429);
  });

  it('counts the short route /p against the preference centre', async () => {
    // Prepare
    const customerId = newCustomerId('rl');
    await api.store.putProfile(aProfile(customerId));
    const token = api.token(customerId, 'preferences', { channel: 'sms' });
    // Act
    const long = await fetch(`${api.url}/preferences?token=${token}`);
    const short = await fetch(`${api.url}/p?token=${token}`);
    const shortSlashed = await fetch(`${api.url}/p/?token=${token}`);
    // Assess
    expect([long.status, short.status, shortSlashed.status]).toEqual([200, 429, 429]);
  });

  it('keeps a client in one bucket for made-up paths, which cannot push its route out of memory', async () => {
    // Prepare
    const token = api.token(newCustomerId('rl'), 'confirm');
    const first = await fetch(`${api.url}/confirm?token=${token}`);
    // Act
    const madeUp = [];
    for (let index = 0; index < 10; index += 1) madeUp.push((await fetch(`${api.url}/made-up-${index}`)).status);
    const again = await fetch(`${api.url}/confirm?token=${token}`);
    // Assess
    expect(first.status).toBe(200);
    expect(madeUp).toEqual([404, ...Array.from({ length: 9 }, () => 429)]);
    expect(again.status).toBe(429);
  });
});

describe('the API past its rate limit', () => {
  let api: ConsentApiHarness;

  beforeAll(async () => {
    api = await startConsentApiHarness({ rateLimit: { burst: 3, ratePerSecond: 0.1 } });
  });

  afterAll(() => api.stop());

  it('answers 429 with Retry-After once a client exceeds the burst on a route, and stores nothing more', async () => {
    // Prepare
    const ids = [1, 2, 3, 4].map(() => newCustomerId('burst'));
    // Act
    const responses = [];
    for (const id of ids) responses.push(await postJson(`${api.url}/consents`, captureBody(id)));
    // Assess
    expect(responses.map((response) => response.status)).toEqual([202, 202, 202, 429]);
    expect(responses[3]?.headers.get('retry-after')).toBe('10');
    expect(await responses[3]?.json()).toEqual({ error: { code: 'rate_limited', message: 'Too many requests. Please wait a moment and try again.' } });
    expect(await api.partition(ids[3] ?? '')).toEqual([]);
  });

  it('limits each route separately', async () => {
    // Prepare
    const customerId = newCustomerId('burst');
    await api.store.putProfile(aProfile(customerId));
    const url = `${api.url}/preferences?token=${api.token(customerId, 'preferences')}`;
    // Act
    const statuses = [];
    for (let index = 0; index < 4; index += 1) statuses.push((await fetch(url)).status);
    // Assess
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});
