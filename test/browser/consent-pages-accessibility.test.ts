/**
 * The consent API's pages for a customer using a keyboard or assistive technology, in Debian's
 * headless Chromium with JavaScript off (as preference-centre.test.ts): every outcome offers a way
 * on, the focus is visible, and what the pages say is in the customer's words.
 */
import type { Page } from 'playwright-core';
import { aProfile, newCustomerId } from '../store/fixtures';
import { startConsentApiHarness, type ConsentApiHarness } from '../consent-api/harness';
import { launchChromium, type HeadlessChromium } from '../support/browser';

let api: ConsentApiHarness;
let browser: HeadlessChromium;
let page: Page;

beforeAll(async () => {
  api = await startConsentApiHarness({ start: '2026-03-02T14:00:00Z' });
  browser = await launchChromium({ javaScriptEnabled: false, locale: 'en-US', viewport: { width: 900, height: 900 } });
  page = await browser.context.newPage();
});

afterAll(async () => {
  await browser.close();
  await api.stop();
});

/** A customer granted offers by email through a web form, with a phone number on file. */
async function subscribedCustomer(): Promise<string> {
  const customerId = newCustomerId('a11y');
  await api.store.putProfile(aProfile(customerId));
  await api.store.recordConsent(customerId, {
    channel: 'email',
    topic: 'marketing',
    status: 'granted',
    at: '2026-03-01T12:00:00Z',
    proof: { source: 'web-form', consentTextVersion: 'v3' },
  });
  return customerId;
}

describe('the one-click unsubscribe, from the keyboard', () => {
  it('tells the customer how to turn the emails back on, with a link to their preferences', async () => {
    // Prepare: the unsubscribe link of an email, whose page offers the preference centre too.
    const customerId = await subscribedCustomer();
    await page.goto(`${api.url}/unsubscribe?token=${api.token(customerId, 'unsubscribe')}`);
    expect(await page.getByRole('link', { name: /choose what we send you/ }).count()).toBe(1);
    // Act: press the button with the keyboard only.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'You are unsubscribed' }).waitFor();
    // Assess
    expect(await page.locator('main').innerText()).toMatch(/Changed your mind\? You can turn these emails back on in your preferences\./);
    const href = await page.getByRole('link', { name: 'your preferences' }).getAttribute('href');
    await page.goto(href ?? '');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Your communication preferences');
  });
});
