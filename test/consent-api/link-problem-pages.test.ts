/**
 * What a person sees when a link cannot be used: an expired link says what became of the request
 * and how to go on, for the link's purpose; a link cut short is "Link not valid" in words. The
 * technical messages (the field, what it must be) stay in the JSON answers of the machine routes.
 */
import { loadTemplateCatalog, renderEmail } from '../../lib/templates';
import { aProfile, newCustomerId } from '../store/fixtures';
import { sampleData } from '../templates/fixtures';
import { captureBody, postForm, postJson, pressConfirmButton, startConsentApiHarness, type ConsentApiHarness } from './harness';

let api: ConsentApiHarness;

beforeAll(async () => {
  api = await startConsentApiHarness({ start: '2026-03-02T14:00:00Z' });
});

afterAll(() => api.stop());

const catalog = loadTemplateCatalog('workflows/templates');
const emailTemplateIds = catalog.ids().filter((id) => catalog.get(id).email !== undefined);

/** The text of a page's `<main>`, tags dropped and white space folded. */
async function mainText(response: Response): Promise<string> {
  const page = await response.text();
  const main = /<main[^>]*>([\s\S]*)<\/main>/.exec(page)?.[1] ?? '';
  return main.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}

describe('an expired link', () => {
  it('to confirm a subscription says it was not confirmed, nothing changed, and how to sign up again, on the link and on the button', async () => {
    // Prepare: the only email this customer ever got, its confirmation, opened 8 days later (confirm links last 7 days).
    const customerId = newCustomerId('expired-confirm');
    await api.ses.clear();
    await postJson(`${api.url}/consents`, captureBody(customerId, { channels: ['email'], email: 'expired-link@example.com' }));
    const [message] = await api.ses.messages();
    const link = /https?:\/\/\S+\/confirm\?token=[\w.-]+/.exec(message?.body.text ?? '')?.[0] ?? '';
    expect(link).not.toBe('');
    api.clock.advance(8 * 86_400_000);
    const before = await api.partition(customerId);
    // Act
    const opened = await fetch(link);
    const pressed = await pressConfirmButton(link);
    // Assess
    expect([opened.status, pressed.status]).toEqual([410, 410]);
    const expected =
      'Link expired This confirmation link has expired, so your subscription was not confirmed and nothing has changed. ' +
      'To receive these emails, sign up again, then open the link in the new confirmation email within 7 days.';
    expect(await mainText(opened)).toBe(expected);
    expect(await mainText(pressed)).toBe(expected);
    expect(await api.partition(customerId)).toEqual(before);
  });

  it('to the preference centre says nothing changed and where a new link comes from, on the page, its short route and a save', async () => {
    // Prepare
    const customerId = newCustomerId('expired-preferences');
    await api.store.putProfile(aProfile(customerId));
    const token = api.token(customerId, 'preferences', { ttlSeconds: 60 });
    api.clock.advance(120_000);
    // Act
    const answers = [
      await fetch(`${api.url}/preferences?token=${token}`),
      await fetch(`${api.url}/p?token=${token}`),
      await postForm(`${api.url}/preferences?token=${token}`, { action: 'withdraw-all' }),
    ];
    // Assess
    const expected =
      'Link expired This link to your preferences has expired, so nothing has changed. ' +
      'Our emails carry a new link to your preferences, and the unsubscribe link in any of our emails still works; ' +
      'to stop our texts, reply STOP to any of them.';
    for (const answer of answers) {
      expect(answer.status).toBe(410);
      expect(await mainText(answer)).toBe(expected);
    }
  });

  it.each(emailTemplateIds)('to the preference centre promises a new link in our emails, which the %s email carries', (id) => {
    // Prepare
    const data = sampleData();
    // Act
    const email = renderEmail(catalog.get(id), data);
    // Assess: the expired-link page promises only this (not every text carries a link).
    expect(email.html).toContain(data.preferencesUrl);
    expect(email.text).toContain(data.preferencesUrl);
  });
});

describe('a link whose token a mail client cut off', () => {
  it.each([
    ['GET', '/unsubscribe'],
    ['GET', '/unsubscribe?token='],
    ['POST', '/unsubscribe'],
    ['GET', '/confirm'],
    ['POST', '/confirm'],
    ['GET', '/preferences'],
    ['GET', '/p?token='],
    ['POST', '/preferences'],
  ])('answers %s %s with the plain "Link not valid" page, naming no parameter', async (method, path) => {
    // Act
    const response =
      method === 'GET' ? await fetch(`${api.url}${path}`) : await postForm(`${api.url}${path}`, path === '/unsubscribe' ? { 'List-Unsubscribe': 'One-Click' } : {});
    // Assess
    expect(response.status).toBe(400);
    expect(await mainText(response)).toBe('Link not valid This link is not valid. Use the link exactly as it appears in a message from us.');
  });

  it('keeps the technical answer, naming the field, for the JSON of the consent export', async () => {
    // Act
    const response = await fetch(`${api.url}/consents/export`);
    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request', field: 'token', message: 'token: is required' } });
  });
});
