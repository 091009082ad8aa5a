/**
 * The consent API as the local stack serves it, while the stack's clock runs ten virtual hours a
 * real second: its POST routes answer with their own status however many virtual seconds their
 * writes and the confirmation email take. A Lambda's 30 s pass in 3 ms of real time here, so any
 * early timeout left on the virtual clock would answer 500 after the route had written.
 */
import * as z from 'zod';
import { signLinkToken } from '../../lib/consent-api/dependencies';
import { CustomerIdSchema } from '../../lib/customer/model';
import { startLocalStack, type LocalStack } from '../../lib/local/stack';
import { confirmUrl, preferencesUrl, unsubscribeUrl } from '../../lib/unsubscribe/links';
import { temporaryDataDir, testOutdir } from './support';

jest.setTimeout(300_000);

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let stack: LocalStack;
let running: Promise<void>;

beforeAll(async () => {
  stack = await startLocalStack({ dataDir: temporaryDataDir('consent-api-clock'), port: 0, outdir: testOutdir('consent-api-clock'), rate: 36_000 });
  running = stack.run();
});

afterAll(async () => {
  await stack.close();
  await running;
});

/** A link of `purpose` for the customer's marketing email, signed as the stack signs the ones it sends. */
function link(purpose: 'confirm' | 'preferences' | 'unsubscribe', customerId: string): string {
  const token = signLinkToken(stack.runtime.links, { customerId: CustomerIdSchema.parse(customerId), channel: 'email', topic: 'marketing', purpose }, stack.runtime.now());
  const url = { confirm: confirmUrl, preferences: preferencesUrl, unsubscribe: unsubscribeUrl }[purpose];
  return url(stack.urls.api, token);
}

/** Who the emails in the stack's mailbox went to. */
async function mailboxRecipients(): Promise<string[]> {
  const store = z.object({ emails: z.array(z.object({ destination: z.object({ to: z.array(z.string()) }) })) });
  const { emails } = store.parse(await (await fetch(`${stack.endpoints.ses}/store`)).json());
  return emails.flatMap((email) => email.destination.to);
}

async function captureConsent(customerId: string): Promise<Response> {
  return fetch(`${stack.urls.api}/consents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      customerId,
      timezone: 'Europe/London',
      email: `${customerId}@example.com`,
      channels: ['email'],
      topics: ['marketing'],
      proof: { source: 'web-form', consentTextVersion: 'v3' },
    }),
  });
}

describe('the consent API on the local stack, its clock at ten virtual hours a second', () => {
  it('answers 202 to a consent captured for a new customer, whose confirmation email goes out', async () => {
    // Act
    const response = await captureConsent('web-1');

    // Assess
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'accepted', pendingConfirmation: ['email'] });
    expect(await mailboxRecipients()).toContain('web-1@example.com');
  });

  it('answers 200 to the confirmation button, 303 to a saved preference form and 200 to a one-click unsubscribe', async () => {
    // Prepare
    expect((await captureConsent('web-2')).status).toBe(202);

    // Act
    const confirmed = await fetch(link('confirm', 'web-2'), { method: 'POST', headers: FORM, body: '' });
    const saved = await fetch(link('preferences', 'web-2'), { method: 'POST', headers: FORM, body: 'action=save&channel1=email&consent=email%3Amarketing&maxPerWeek=3', redirect: 'manual' });
    const unsubscribed = await fetch(link('unsubscribe', 'web-2'), { method: 'POST', headers: FORM, body: 'List-Unsubscribe=One-Click' });

    // Assess
    expect([confirmed.status, saved.status, unsubscribed.status]).toEqual([200, 303, 200]);
    expect(await confirmed.text()).toContain('Subscription confirmed');
    expect(saved.headers.get('location')).toContain('saved=1');
    expect(await unsubscribed.text()).toContain('You are unsubscribed');
  });
});
