/**
 * The consent API's pages for a customer using a keyboard or assistive technology, in Debian's
 * headless Chromium with JavaScript off (as preference-centre.test.ts): every outcome offers a way
 * on, the focus is visible, and what the pages say is in the customer's words.
 */
import type { Page } from 'playwright-core';
import { aProfile, newCustomerId } from '../store/fixtures';
import { captureBody, postJson, startConsentApiHarness, type ConsentApiHarness } from '../consent-api/harness';
import { launchChromium, type HeadlessChromium } from '../support/browser';
import { contrastRatio } from '../support/contrast';

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

/** `rgb(r, g, b)` as computed styles give it, as #rrggbb. */
function rgbToHex(rgb: string): string {
  const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number) as [number, number, number];
  return `#${[r, g, b].map((value) => value.toString(16).padStart(2, '0')).join('')}`;
}

/** The focused element's outline and the background of the page around it. */
async function focusOutline(): Promise<{ outline: string; style: string; around: string; tag: string }> {
  return page.evaluate(() => {
    // Runs in the page; typed structurally because this project compiles without the DOM library.
    const g = globalThis as unknown as {
      document: { activeElement: { tagName: string }; querySelector(selector: string): unknown };
      getComputedStyle(element: unknown): { outlineColor: string; outlineStyle: string; backgroundColor: string };
    };
    const style = g.getComputedStyle(g.document.activeElement);
    return {
      outline: style.outlineColor,
      style: style.outlineStyle,
      around: g.getComputedStyle(g.document.querySelector('main')).backgroundColor,
      tag: g.document.activeElement.tagName,
    };
  });
}

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

describe('the keyboard focus', () => {
  it('is drawn with at least 3:1 contrast against the page, on a select and on a button (WCAG 1.4.11)', async () => {
    // Prepare
    const customerId = await subscribedCustomer();
    await page.goto(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`);
    // Act: tab to the first control, then to the save button.
    await page.keyboard.press('Tab');
    const onSelect = await focusOutline();
    await page.getByRole('button', { name: 'Save my preferences' }).focus();
    const onButton = await focusOutline();
    // Assess: the stylesheet applies (its CSP hash matches), and its outline stands out.
    expect([onSelect.tag, onButton.tag]).toEqual(['SELECT', 'BUTTON']);
    for (const focused of [onSelect, onButton]) {
      expect(focused.style).toBe('solid');
      expect(contrastRatio(rgbToHex(focused.outline), rgbToHex(focused.around))).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('a consent waiting for confirmation, as a screen reader reads its box', () => {
  it('tells the customer to reply YES to our text for SMS, and to open our email for email', async () => {
    // Prepare: a sign-up for offers by email and SMS; both wait for confirmation (an email link, a YES text).
    const customerId = newCustomerId('a11y-pending');
    const captured = await postJson(`${api.url}/consents`, captureBody(customerId));
    expect(captured.status).toBe(202);
    const snapshot = await api.store.requireSnapshot(customerId);
    expect(snapshot.consents.filter((state) => state.topic === 'marketing').map((state) => `${state.channel}:${state.status}`).sort()).toEqual([
      'email:pending',
      'sms:pending',
    ]);
    // Act
    await page.goto(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`);
    const offers = page.getByRole('group', { name: 'Offers and news' });
    const description = async (name: string): Promise<string> => {
      const describedBy = (await offers.getByRole('checkbox', { name }).getAttribute('aria-describedby')) ?? '';
      return page.locator(`[id="${describedBy}"]`).innerText();
    };
    // Assess
    expect(await description('Text message (SMS)')).toBe('(waiting for your YES: reply YES to the text we sent you)');
    expect(await description('Email')).toBe('(waiting for you to confirm: open the link in the email we sent you)');
  });
});

describe('a tick of text messages by a customer with no phone number on file', () => {
  it('says that our texts stay off for want of a number, and leaves the box unticked rather than waiting for a YES', async () => {
    // Prepare: a customer who signed up with an email address only.
    const customerId = newCustomerId('a11y-nophone');
    const { phone: _phone, ...withoutPhone } = aProfile(customerId);
    await api.store.putProfile(withoutPhone);
    await page.goto(`${api.url}/preferences?token=${api.token(customerId, 'preferences')}`);
    const sms = page.getByRole('group', { name: 'Offers and news' }).getByRole('checkbox', { name: 'Text message (SMS)' });
    // Act
    await sms.check();
    await page.getByRole('button', { name: 'Save my preferences' }).click();
    await page.waitForURL(/saved=1/);
    // Assess
    expect(await page.getByRole('status').first().innerText()).toBe(
      'Your preferences are saved. They apply to the next message we would send you. We have no mobile number for you, so our texts stay off.',
    );
    expect(await sms.isChecked()).toBe(false);
    expect(await sms.getAttribute('aria-describedby')).toBeNull();
  });
});
