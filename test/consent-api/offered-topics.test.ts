/**
 * Consent is only ever given for the topics this deployment offers (the harness offers
 * `marketing` and `newsletter`): a request naming any other topic is refused, naming the topic
 * and the offered ones, and writes nothing.
 */
import { consentCaptureRequestSchema, parseRequest } from '../../lib/consent-api/requests';
import type { ConsentEvent } from '../../lib/store';
import { MAX_NEW_CUSTOMER_CONSENTS } from '../../lib/store/customer-store';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, postForm, postJson, startConsentApiHarness, type ConsentApiHarness } from './harness';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness();
});

afterAll(() => api.stop());

beforeEach(async () => {
  await api.ses.clear();
  api.clock.set('2026-03-02T09:00:00Z');
});

interface ErrorAnswer {
  readonly error: { readonly code: string; readonly field: string; readonly message: string };
}

describe('POST /consents', () => {
  it('refuses a topic no offer configures with 400 naming it and the offered topics, storing and sending nothing', async () => {
    // Prepare
    const customerId = newCustomerId('unoffered');
    // Act
    const response = await postJson(`${api.url}/consents`, captureBody(customerId, { topics: ['marketing', 'anything-at-all'] }));
    // Assess
    expect(response.status).toBe(400);
    const answer = (await response.json()) as ErrorAnswer;
    expect(answer.error).toMatchObject({ code: 'invalid_request', field: 'topics[1]' });
    expect(answer.error.message).toBe('topics[1]: "anything-at-all" is not a topic offered here; the topics are: marketing, newsletter');
    expect(await api.partition(customerId)).toEqual([]);
    expect(await api.ses.messages()).toEqual([]);
  });

  it('refuses a value that is no topic at all by its form alone, never quoting it back', async () => {
    // Prepare
    const customerId = newCustomerId('unoffered');
    // Act
    const response = await postJson(`${api.url}/consents`, captureBody(customerId, { topics: ['Ana.Person@example.com'] }));
    // Assess
    expect(response.status).toBe(400);
    const answer = (await response.json()) as ErrorAnswer;
    expect(answer.error.field).toBe('topics[0]');
    expect(JSON.stringify(answer)).not.toContain('Ana.Person');
    expect(await api.partition(customerId)).toEqual([]);
  });

  it('refuses an unoffered topic for an existing customer too, changing nothing of theirs', async () => {
    // Prepare
    const customerId = newCustomerId('unoffered');
    await api.store.putProfile(aProfile(customerId));
    const before = await api.partition(customerId);
    // Act
    const response = await postJson(`${api.url}/consents`, captureBody(customerId, { topics: ['made-up'] }));
    // Assess
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorAnswer).error.field).toBe('topics[0]');
    expect(await api.partition(customerId)).toEqual(before);
    expect(await api.ses.messages()).toEqual([]);
  });
});

describe('POST /preferences', () => {
  it('refuses a ticked box of a topic neither offered nor held with 400, saying in words that nothing changed, and changes nothing', async () => {
    // Prepare
    const customerId = newCustomerId('unoffered');
    await api.store.putProfile(aProfile(customerId));
    const granted: ConsentEvent = { channel: 'email', topic: 'marketing', status: 'granted', at: '2026-03-01T12:00:00Z', proof: { source: 'web-form' } };
    await api.store.recordConsent(customerId, granted);
    const before = await api.partition(customerId);
    // Act
    const response = await postForm(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`, {
      action: 'save',
      channel1: 'sms',
      channel2: '',
      channel3: '',
      consent: ['email:marketing', 'sms:anything-at-all'],
      maxPerWeek: '3',
    });
    // Assess
    expect(response.status).toBe(400);
    const page = await response.text();
    expect(page).toContain('<p role="alert">This request could not be used, so nothing has changed.');
    expect(page).not.toContain('consent[1]');
    expect(await api.partition(customerId)).toEqual(before);
  });
});

describe('the capture request', () => {
  const offers = Array.from({ length: 20 }, (_, index) => ({ topic: `topic-${index}`, label: `Topic ${index}` }));
  const body = (channels: string[], topics: number) =>
    captureBody('wide-form', { address: { line1: '1 Main St', city: 'Springfield', postalCode: '01101', country: 'US' }, channels, topics: offers.slice(0, topics).map(({ topic }) => topic) });

  it('takes as many consents as a new customer written in one transaction holds (channels × topics)', () => {
    expect(() => parseRequest(consentCaptureRequestSchema(offers), body(['email', 'sms', 'mail'], MAX_NEW_CUSTOMER_CONSENTS / 3))).not.toThrow();
    expect(() => parseRequest(consentCaptureRequestSchema(offers), body(['email', 'sms'], 20))).not.toThrow();
  });

  it('refuses more, naming the topics', () => {
    expect(() => parseRequest(consentCaptureRequestSchema(offers), body(['email', 'sms', 'mail'], MAX_NEW_CUSTOMER_CONSENTS / 3 + 1))).toThrow(
      `topics: must make at most ${MAX_NEW_CUSTOMER_CONSENTS} consents with the channels (channels × topics)`,
    );
  });
});
